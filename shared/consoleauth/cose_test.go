package consoleauth

import (
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"testing"
)

// An RSA key's size must be bounded above as well as below: a verification's cost
// grows with the cube of the modulus's size, and a key of the 40 KiB an answer can
// carry takes seconds of CPU at each sign-in with it, even with a signature that
// does not verify.
func TestRSAKeysBoundedAbove(t *testing.T) {
	// A key of about 18 000 bits whose signature of data is easy to make: N =
	// s^3 - EM, so that s^3 mod N is EM, the PKCS #1 v1.5 encoding of data's
	// SHA-256 digest.
	const k = 2304 // bytes
	h := sha256.Sum256([]byte("signed data"))
	em := make([]byte, k)
	em[1] = 1
	prefix := []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	for i := 2; i < k-len(prefix)-len(h)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(prefix)-len(h):], append(prefix, h[:]...))
	s := new(big.Int).Lsh(big.NewInt(1), (8*k-4)/3) // s^3 of 8k-5 bits: N just under, above EM
	if em[k-1]&1 == 0 {
		s.SetBit(s, 0, 1) // N odd
	}
	n := new(big.Int).Exp(s, big.NewInt(3), nil)
	n.Sub(n, new(big.Int).SetBytes(em))
	if (n.BitLen()+7)/8 != k {
		t.Fatalf("modulus of %d bits", n.BitLen())
	}
	sig := s.FillBytes(make([]byte, k))
	if verifySignature(algRS256, &rsa.PublicKey{N: n, E: 3}, []byte("signed data"), sig) {
		t.Errorf("a signature with a key of %d bits verified", n.BitLen())
	}
	cose := mustCBOR(t, map[int64]any{1: 3, 3: algRS256, -1: n.Bytes(), -2: []byte{3}})
	if _, _, err := parseCOSEKey(cose); err == nil {
		t.Errorf("an RSA key of %d bits parsed", n.BitLen())
	}
	// 2048 to 16384 bits are taken.
	n16k := new(big.Int).Lsh(big.NewInt(1), 16383)
	n16k.SetBit(n16k, 0, 1)
	if _, _, err := parseCOSEKey(mustCBOR(t, map[int64]any{1: 3, 3: algRS256, -1: n16k.Bytes(), -2: []byte{1, 0, 1}})); err != nil {
		t.Errorf("an RSA key of 16384 bits: %v", err)
	}
}
