package bolt

import (
	"bytes"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// Records stored under a key made of their own fields leave those fields out of the
// value and take them back from the key when read: a send or a step under address
// NUL key, a grant or an unsubscribe link under its id. Each is written once per lead or more,
// so the bytes saved count in the file's size per lead. Values of older files that
// still hold the fields read the same, as the key holds the same.

func putSend(b *bbolt.Bucket, k []byte, send leadgate.Send) error {
	send.Email, send.Key = "", ""
	return putJSON(b, k, send)
}

func decodeSend(k, v []byte, send *leadgate.Send) error {
	if err := decode(v, send); err != nil {
		return err
	}
	send.Email, send.Key = splitPairKey(k, send.Email, send.Key)
	return nil
}

func putStep(b *bbolt.Bucket, k []byte, st leadgate.Step) error {
	st.Email, st.Key = "", ""
	return putJSON(b, k, st)
}

func decodeStep(k, v []byte, st *leadgate.Step) error {
	if err := decode(v, st); err != nil {
		return err
	}
	st.Email, st.Key = splitPairKey(k, st.Email, st.Key)
	return nil
}

func putUnsubscribe(b *bbolt.Bucket, u leadgate.Unsubscribe) error {
	id := u.ID
	u.ID = ""
	return putJSON(b, []byte(id), u)
}

func decodeUnsubscribe(k, v []byte, u *leadgate.Unsubscribe) error {
	if err := decode(v, u); err != nil {
		return err
	}
	u.ID = string(k)
	return nil
}

// splitPairKey reads a pairKey back, or returns a and b when k is not one.
func splitPairKey(k []byte, a, b string) (string, string) {
	first, second, ok := bytes.Cut(k, []byte{0})
	if !ok {
		return a, b
	}
	return string(first), string(second)
}

func putGrant(b *bbolt.Bucket, g leadgate.Grant) error {
	id := g.ID
	g.ID = ""
	return putJSON(b, []byte(id), g)
}

func decodeGrant(k, v []byte, g *leadgate.Grant) error {
	if err := decode(v, g); err != nil {
		return err
	}
	g.ID = string(k)
	return nil
}
