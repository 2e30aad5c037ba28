package consoleauth

import (
	"encoding/binary"
	"runtime"
	"testing"
)

// A hostile item's header claims as many elements as there are bytes left; nested
// to the depth limit, each level must not reserve room for its claim before its
// elements are read, or an answer of 48 KiB (what a form of 64 KiB carries in
// base64) makes the decoder allocate hundreds of times its size.
func TestCBORLengthsReserveNoMemory(t *testing.T) {
	const size = 48 << 10
	for _, major := range []byte{4, 5} { // arrays, maps
		b := []byte{}
		for range maxCBORDepth + 1 {
			claim := size - len(b) - 5
			if major == 5 {
				claim /= 2
			}
			b = binary.BigEndian.AppendUint32(append(b, major<<5|26), uint32(claim))
			if major == 5 {
				b = append(b, 0x01) // a key; its value is the next level
			}
		}
		b = append(b, make([]byte, size-len(b))...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, _, err := cborItem(b); err == nil {
			t.Fatalf("major %d: a truncated item decoded", major)
		}
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("major %d: decoding %d bytes allocated %d", major, len(b), got)
		}
	}
}
