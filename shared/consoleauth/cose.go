package consoleauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
)

// COSE algorithms (RFC 9053, RFC 8812) a passkey may use: those the registration
// options offer, the WebAuthn library's defaults.
const (
	algES256 = -7
	algES384 = -35
	algES512 = -36
	algEdDSA = -8
	algRS256 = -257
	algRS384 = -258
	algRS512 = -259
	algPS256 = -37
	algPS384 = -38
	algPS512 = -39
)

// offeredAlgs are the pubKeyCredParams of a registration, most preferred first.
var offeredAlgs = []int64{algES256, algES384, algES512, algRS256, algRS384, algRS512, algPS256, algPS384, algPS512, algEdDSA}

// maxRSABits bounds an RSA key's modulus: a verification's cost grows with the cube
// of its size, and no authenticator makes keys anywhere near this.
const maxRSABits = 16384

// coseKey is a credential public key: its algorithm and key.
type coseKey struct {
	alg int64
	key crypto.PublicKey
}

// parseCOSEKey reads a COSE_Key (the credential public key of a passkey, as
// stored) and returns the key with the bytes after it.
func parseCOSEKey(b []byte) (coseKey, []byte, error) {
	v, rest, err := cborItem(b)
	if err != nil {
		return coseKey{}, nil, err
	}
	m, ok := v.(map[any]any)
	if !ok {
		return coseKey{}, nil, errors.New("the credential public key is not a COSE key")
	}
	kty, _ := m[int64(1)].(int64)
	alg, ok := m[int64(3)].(int64)
	if !ok {
		return coseKey{}, nil, errors.New("the COSE key names no algorithm")
	}
	bytesAt := func(label int64) []byte { b, _ := m[label].([]byte); return b }
	k := coseKey{alg: alg}
	switch alg {
	case algES256, algES384, algES512:
		curves := map[int64]struct {
			c   elliptic.Curve
			alg int64
		}{1: {elliptic.P256(), algES256}, 2: {elliptic.P384(), algES384}, 3: {elliptic.P521(), algES512}}
		crv, _ := m[int64(-1)].(int64)
		c, ok := curves[crv]
		if kty != 2 || !ok || c.alg != alg {
			return coseKey{}, nil, fmt.Errorf("COSE key: curve %d of key type %d does not go with algorithm %d", crv, kty, alg)
		}
		size := (c.c.Params().BitSize + 7) / 8
		x, y := bytesAt(-2), bytesAt(-3)
		if len(x) != size || len(y) != size {
			return coseKey{}, nil, errors.New("COSE key: EC2 coordinates of the wrong size")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(c.c, append(append([]byte{4}, x...), y...))
		if err != nil {
			return coseKey{}, nil, fmt.Errorf("COSE key: %w", err)
		}
		k.key = pub
	case algEdDSA:
		crv, _ := m[int64(-1)].(int64)
		x := bytesAt(-2)
		if kty != 1 || crv != 6 || len(x) != ed25519.PublicKeySize {
			return coseKey{}, nil, errors.New("COSE key: only Ed25519 OKP keys are taken for EdDSA")
		}
		k.key = ed25519.PublicKey(x)
	case algRS256, algRS384, algRS512, algPS256, algPS384, algPS512:
		n, e := bytesAt(-1), bytesAt(-2)
		if kty != 3 || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return coseKey{}, nil, errors.New("COSE key: malformed RSA key")
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
		if pub.N.BitLen() < 2048 || pub.N.BitLen() > maxRSABits || exp < 3 || exp%2 == 0 {
			return coseKey{}, nil, errors.New("COSE key: RSA key too small, too large or with a bad exponent")
		}
		k.key = pub
	default:
		return coseKey{}, nil, fmt.Errorf("COSE key: algorithm %d is not supported", alg)
	}
	return k, rest, nil
}

// verify checks sig, the key's signature of data.
func (k coseKey) verify(data, sig []byte) bool {
	return verifySignature(k.alg, k.key, data, sig)
}

// verifySignature checks sig, made with alg by the holder of pub, over data.
func verifySignature(alg int64, pub crypto.PublicKey, data, sig []byte) bool {
	digest := func(h crypto.Hash) []byte {
		switch h {
		case crypto.SHA384:
			d := sha512.Sum384(data)
			return d[:]
		case crypto.SHA512:
			d := sha512.Sum512(data)
			return d[:]
		}
		d := sha256.Sum256(data)
		return d[:]
	}
	hashes := map[int64]crypto.Hash{
		algES256: crypto.SHA256, algES384: crypto.SHA384, algES512: crypto.SHA512,
		algRS256: crypto.SHA256, algRS384: crypto.SHA384, algRS512: crypto.SHA512,
		algPS256: crypto.SHA256, algPS384: crypto.SHA384, algPS512: crypto.SHA512,
	}
	switch key := pub.(type) {
	case *ecdsa.PublicKey:
		switch alg {
		case algES256, algES384, algES512:
			return ecdsa.VerifyASN1(key, digest(hashes[alg]), sig)
		}
	case ed25519.PublicKey:
		return alg == algEdDSA && ed25519.Verify(key, data, sig)
	case *rsa.PublicKey:
		if key.N.BitLen() > maxRSABits { // an attestation certificate's
			return false
		}
		switch alg {
		case algRS256, algRS384, algRS512:
			return rsa.VerifyPKCS1v15(key, hashes[alg], digest(hashes[alg]), sig) == nil
		case algPS256, algPS384, algPS512:
			return rsa.VerifyPSS(key, hashes[alg], digest(hashes[alg]), sig, nil) == nil
		}
	}
	return false
}
