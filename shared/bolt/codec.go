package bolt

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Stored records are JSON. Compaction (compact.go) compresses them (zstd, its
// fastest level, with a preset dictionary of the records' field names) when that
// makes them smaller: a lead, submission or grant takes about a third of its JSON,
// and the compacted file about 2 KB a lead instead of 3.5 (BenchmarkSoak in
// shared/localdev, BenchmarkFileSizePerLead here). They are written plain: some
// 40 us of compression a record would add a sixth to a lone capture's time; a
// compressed record written again is plain until the next compaction.
//
// Every read takes both, so files of older versions, all plain, need no migrating:
// a compressed value starts with valueCompressed, which neither JSON nor UTF-8 ever
// starts with (nor the store's few binary values: marks of one byte 1, big-endian
// counts and sequence numbers). The change feed is never compressed: it is read
// once, then pruned.
const valueCompressed = 0xff

// compressMin is the shortest value worth compressing: shorter ones gain a few bytes
// for the time.
const compressMin = 160

// zstdMagic starts every zstd frame: stored values leave it out.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// valueDict is the preset dictionary: the field names and fixed words of the
// records stored per lead. Changing it makes older compressed values unreadable: a
// new dictionary needs a new dictionary id (valueDictID).
var valueDict = []byte(`"stage_history":[{"soft_bounces":"suppressed_at":"confirmed_at":"first_download_at":"last_download_at":` +
	`"job_title":"phone":"custom":{"gclid":"referrer":"landing_url":"reason":"done_at":"files":[` +
	`"revoked":false,"erased":false,"downloads":0,"expires_at":"object_key":"magnets/` +
	`"file_name":"content_type":"application/pdf","source":{"delivery":"target":"trial_mode":` +
	`{"email":"key":"nurture#","kind":"nurture","step_id":"day-","due_at":"status":"due"}` +
	`{"email":"key":"delivery#","status":"sent","claimed_at":"sent_at":"message_id":"attempts":1}` +
	`{"id":"lead_id":"email":"page":"submission_id":"magnet_id":"at":"values":{"company":"email":"name":"}` +
	`,"attribution":{"page":"at":"utm_source":"utm_medium":"utm_campaign":"},"consent":{"given":true,"text_version":` +
	`"page":"at":"ip":"user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/` +
	`{"id":"email":"email_as_typed":"name":"company":"status":"active","consent":{"given":true,"text_version":"page":"at":"ip":"user_agent":"` +
	`},"first_touch":{"page":"at":"utm_source":"utm_medium":"utm_campaign":"},"last_touch":{"page":"at":"utm_source":"` +
	`},"submissions":1,"pages":["score":"stage":"cold","created_at":"updated_at":"version":`)

const valueDictID = 1

var codec = sync.OnceValues(func() (*zstd.Encoder, *zstd.Decoder) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderDictRaw(valueDictID, valueDict),
		zstd.WithEncoderCRC(false), zstd.WithSingleSegment(true))
	if err != nil {
		panic(err) // fixed options: a test catches it
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(valueDictID, valueDict))
	if err != nil {
		panic(err)
	}
	return enc, dec
})

// encodeValue returns what to store for the JSON data: data compressed and marked,
// or data itself when that is short or compresses to no less.
func encodeValue(data []byte) []byte {
	if len(data) < compressMin {
		return data
	}
	enc, _ := codec()
	frame := enc.EncodeAll(data, make([]byte, 0, len(data)/2))
	if !bytes.HasPrefix(frame, zstdMagic) || len(frame)-len(zstdMagic)+1 >= len(data) {
		return data
	}
	frame[len(zstdMagic)-1] = valueCompressed
	return frame[len(zstdMagic)-1:]
}

// decodeValue returns the JSON of a stored value: value itself, unless compressed.
func decodeValue(value []byte) ([]byte, error) {
	if len(value) < 2 || value[0] != valueCompressed {
		return value, nil
	}
	_, dec := codec()
	frame := append(append(make([]byte, 0, len(zstdMagic)+len(value)-1), zstdMagic...), value[1:]...)
	data, err := dec.DecodeAll(frame, make([]byte, 0, 3*len(value)))
	if err != nil {
		return nil, errors.Join(errors.New("decompress a stored value"), err)
	}
	return data, nil
}

// decode decodes a stored value, compressed or not, into v.
func decode(value []byte, v any) error {
	data, err := decodeValue(value)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}
