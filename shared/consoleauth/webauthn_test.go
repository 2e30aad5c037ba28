package consoleauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

const testOrigin, testRPID = "https://console.example.com", "console.example.com"

func mustCBOR(t *testing.T, v any) []byte {
	t.Helper()
	b, err := webauthncbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCBORItem(t *testing.T) {
	b := mustCBOR(t, map[any]any{"fmt": "none", int64(-3): []byte{1, 2}, int64(1): []any{true, nil, "x", int64(-500)}})
	v, rest, err := cborItem(append(b, 0xff))
	if err != nil || len(rest) != 1 {
		t.Fatalf("cborItem = %v, rest %x, %v", v, rest, err)
	}
	m := v.(map[any]any)
	if m["fmt"] != "none" || string(m[int64(-3)].([]byte)) != "\x01\x02" || m[int64(1)].([]any)[3] != int64(-500) {
		t.Fatalf("decoded %#v", m)
	}
	deep := []byte{}
	for range maxCBORDepth + 2 {
		deep = append(deep, 0x81) // an array of one item
	}
	for name, bad := range map[string][]byte{
		"empty":              {},
		"truncated string":   {0x43, 1, 2},
		"truncated argument": {0x19, 1},
		"indefinite length":  {0x9f, 0x01, 0xff},
		"too deep":           append(deep, 0x01),
		"duplicate key":      {0xa2, 0x01, 0x01, 0x01, 0x02},
		"array key":          {0xa1, 0x80, 0x01},
		"huge array":         {0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		"reserved simple":    {0xf8, 0x20},
	} {
		if _, _, err := cborItem(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// signer is a credential key of the tests: its COSE key and how it signs.
type signer struct {
	cose []byte
	sign func(data []byte) []byte
}

func newSigner(t *testing.T, alg int64) signer {
	t.Helper()
	switch alg {
	case algES256, algES384:
		curve, crv, h := elliptic.P256(), int64(1), crypto.SHA256
		if alg == algES384 {
			curve, crv, h = elliptic.P384(), 2, crypto.SHA384
		}
		key, _ := ecdsa.GenerateKey(curve, rand.Reader)
		pub, _ := key.PublicKey.Bytes()
		size := (len(pub) - 1) / 2
		return signer{mustCBOR(t, map[int64]any{1: 2, 3: alg, -1: crv, -2: pub[1 : 1+size], -3: pub[1+size:]}), func(d []byte) []byte {
			sig, _ := ecdsa.SignASN1(rand.Reader, key, digest(h, d))
			return sig
		}}
	case algEdDSA:
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		return signer{mustCBOR(t, map[int64]any{1: 1, 3: alg, -1: 6, -2: []byte(pub)}), func(d []byte) []byte { return ed25519.Sign(priv, d) }}
	case algRS256, algPS256:
		key, _ := rsa.GenerateKey(rand.Reader, 2048)
		e := binary.BigEndian.AppendUint32(nil, uint32(key.E))
		return signer{mustCBOR(t, map[int64]any{1: 3, 3: alg, -1: key.N.Bytes(), -2: []byte(strings.TrimLeft(string(e), "\x00"))}), func(d []byte) []byte {
			var sig []byte
			if alg == algRS256 {
				sig, _ = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest(crypto.SHA256, d))
			} else {
				sig, _ = rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest(crypto.SHA256, d), nil)
			}
			return sig
		}}
	}
	t.Fatalf("no test key for %d", alg)
	return signer{}
}

func digest(h crypto.Hash, d []byte) []byte {
	if h == crypto.SHA384 {
		s := sha512.Sum384(d)
		return s[:]
	}
	s := sha256.Sum256(d)
	return s[:]
}

func TestCOSEKeysVerify(t *testing.T) {
	for _, alg := range []int64{algES256, algES384, algEdDSA, algRS256, algPS256} {
		s := newSigner(t, alg)
		key, rest, err := parseCOSEKey(s.cose)
		if err != nil || len(rest) != 0 || key.alg != alg {
			t.Fatalf("alg %d: parse %v, rest %d", alg, err, len(rest))
		}
		sig := s.sign([]byte("signed data"))
		if !key.verify([]byte("signed data"), sig) {
			t.Errorf("alg %d: a good signature does not verify", alg)
		}
		if key.verify([]byte("other data"), sig) {
			t.Errorf("alg %d: a signature of other data verifies", alg)
		}
	}
	for name, bad := range map[string]map[int64]any{
		"no algorithm":      {1: 2, -1: 1, -2: make([]byte, 32), -3: make([]byte, 32)},
		"curve of another":  {1: 2, 3: algES256, -1: 2, -2: make([]byte, 48), -3: make([]byte, 48)},
		"point off curve":   {1: 2, 3: algES256, -1: 1, -2: make([]byte, 32), -3: make([]byte, 32)},
		"secp256k1":         {1: 2, 3: -47, -1: 8, -2: make([]byte, 32), -3: make([]byte, 32)},
		"Ed448":             {1: 1, 3: algEdDSA, -1: 7, -2: make([]byte, 57)},
		"RSA key too small": {1: 3, 3: algRS256, -1: make([]byte, 128), -2: []byte{1, 0, 1}},
	} {
		if _, _, err := parseCOSEKey(mustCBOR(t, bad)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// registration builds a registration answer, as a browser posts it, for the state.
type registration struct {
	alg        int64
	flags      byte
	rpID       string
	typ        string
	origin     string
	cross      bool
	format     string
	attStmt    func(s signer, signed []byte) map[string]any
	extensions bool
}

func (r registration) answer(t *testing.T, st ceremonyState) ([]byte, signer) {
	t.Helper()
	s := newSigner(t, r.alg)
	h := sha256.Sum256([]byte(r.rpID))
	auth := append(h[:], r.flags)
	auth = binary.BigEndian.AppendUint32(auth, 0)
	auth = append(auth, make([]byte, 16)...)
	id := []byte("credential-id-0123456789")
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(id)))
	auth = append(append(auth, id...), s.cose...)
	if r.extensions {
		auth = append(auth, mustCBOR(t, map[string]any{"credProtect": 2})...)
	}
	client, _ := json.Marshal(map[string]any{"type": r.typ, "challenge": st.Challenge, "origin": r.origin, "crossOrigin": r.cross})
	hash := sha256.Sum256(client)
	stmt := map[string]any{}
	if r.attStmt != nil {
		stmt = r.attStmt(s, append(append([]byte{}, auth...), hash[:]...))
	}
	att := mustCBOR(t, map[string]any{"fmt": r.format, "attStmt": stmt, "authData": auth})
	b64 := base64.RawURLEncoding.EncodeToString
	answer, _ := json.Marshal(map[string]any{"id": b64(id), "rawId": b64(id), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64(client), "attestationObject": b64(att), "transports": []string{"usb"}}})
	return answer, s
}

func goodRegistration() registration {
	return registration{alg: algES256, flags: flagUP | flagUV | flagAT, rpID: testRPID, typ: "webauthn.create", origin: testOrigin, format: "none"}
}

// verifyRegistration runs the registration checks on r's answer to the ceremony st.
func verifyRegistration(t *testing.T, st ceremonyState, r registration) (string, error) {
	t.Helper()
	answer, _ := r.answer(t, st)
	parsed, err := parseRegistration(answer)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return parsed.verify(st, testOrigin)
}

func TestRegistrationChecks(t *testing.T) {
	st := ceremonyState{Challenge: newChallenge(), RPID: testRPID, UserVerification: "required"}
	verify := func(r registration) (string, error) { return verifyRegistration(t, st, r) }
	if typ, err := verify(goodRegistration()); err != nil || typ != "none" {
		t.Fatalf("a good registration: %q, %v", typ, err)
	}
	withExt := goodRegistration()
	withExt.flags |= flagED
	withExt.extensions = true
	if _, err := verify(withExt); err != nil {
		t.Errorf("with authenticator extensions: %v", err)
	}
	for _, alg := range []int64{algEdDSA, algRS256} {
		r := goodRegistration()
		r.alg = alg
		if _, err := verify(r); err != nil {
			t.Errorf("alg %d: %v", alg, err)
		}
	}
	self := goodRegistration()
	self.format = "packed"
	self.attStmt = func(s signer, signed []byte) map[string]any {
		return map[string]any{"alg": algES256, "sig": s.sign(signed)}
	}
	if typ, err := verify(self); err != nil || typ != "self" {
		t.Errorf("packed self attestation: %q, %v", typ, err)
	}
	for name, change := range map[string]func(*registration){
		"user not verified":          func(r *registration) { r.flags &^= flagUV },
		"user not present":           func(r *registration) { r.flags &^= flagUP },
		"backed up but not eligible": func(r *registration) { r.flags |= flagBS },
		"another RP ID":              func(r *registration) { r.rpID = "example.com" },
		"an assertion's client data": func(r *registration) { r.typ = "webauthn.get" },
		"another origin":             func(r *registration) { r.origin = "https://evil.example" },
		"a cross-origin frame":       func(r *registration) { r.cross = true },
		"a format not asked for":     func(r *registration) { r.format = "tpm" },
		"none with a statement": func(r *registration) {
			r.attStmt = func(signer, []byte) map[string]any { return map[string]any{"x": 1} }
		},
		"packed self with another alg": func(r *registration) {
			*r = self
			r.attStmt = func(s signer, d []byte) map[string]any { return map[string]any{"alg": algRS256, "sig": s.sign(d)} }
		},
		"packed self forged": func(r *registration) {
			*r = self
			r.attStmt = func(s signer, d []byte) map[string]any {
				return map[string]any{"alg": algES256, "sig": s.sign([]byte("other"))}
			}
		},
	} {
		r := goodRegistration()
		change(&r)
		if _, err := verify(r); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	other := st
	other.Challenge = newChallenge()
	answer, _ := goodRegistration().answer(t, other)
	parsed, _ := parseRegistration(answer)
	if _, err := parsed.verify(st, testOrigin); err == nil {
		t.Error("an answer to another challenge verified")
	}

	// Malformed: refused before any check.
	noAT := goodRegistration()
	noAT.flags &^= flagAT
	extWithoutFlag := goodRegistration()
	extWithoutFlag.extensions = true
	for name, r := range map[string]registration{"no attested credential": noAT, "trailing extensions": extWithoutFlag} {
		answer, _ := r.answer(t, st)
		if _, err := parseRegistration(answer); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestAssertionChecks(t *testing.T) {
	st := ceremonyState{Challenge: newChallenge(), RPID: testRPID, UserVerification: "required"}
	s := newSigner(t, algEdDSA)
	assertion := func(flags byte, counter uint32, origin string, sig func([]byte) []byte) []byte {
		h := sha256.Sum256([]byte(testRPID))
		auth := binary.BigEndian.AppendUint32(append(h[:], flags), counter)
		client, _ := json.Marshal(map[string]any{"type": "webauthn.get", "challenge": st.Challenge, "origin": origin})
		ch := sha256.Sum256(client)
		b64 := base64.RawURLEncoding.EncodeToString
		answer, _ := json.Marshal(map[string]any{"id": b64([]byte("cred")), "rawId": b64([]byte("cred")), "type": "public-key",
			"response": map[string]any{"clientDataJSON": b64(client), "authenticatorData": b64(auth),
				"signature": b64(sig(append(append([]byte{}, auth...), ch[:]...))), "userHandle": b64([]byte("user"))}})
		return answer
	}
	check := func(answer []byte, backupEligible bool) error {
		parsed, err := parseAssertion(answer)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		return parsed.verify(st, testOrigin, s.cose, backupEligible)
	}
	if err := check(assertion(flagUP|flagUV, 7, testOrigin, s.sign), false); err != nil {
		t.Fatalf("a good assertion: %v", err)
	}
	if err := check(assertion(flagUP|flagUV|flagBE|flagBS, 7, testOrigin, s.sign), true); err != nil {
		t.Fatalf("a good assertion of a synced passkey: %v", err)
	}
	for name, err := range map[string]error{
		"user not verified":         check(assertion(flagUP, 7, testOrigin, s.sign), false),
		"backup eligibility gained": check(assertion(flagUP|flagUV|flagBE, 7, testOrigin, s.sign), false),
		"backup eligibility lost":   check(assertion(flagUP|flagUV, 7, testOrigin, s.sign), true),
		"another origin":            check(assertion(flagUP|flagUV, 7, "https://evil.example", s.sign), false),
		"another key's signature":   check(assertion(flagUP|flagUV, 7, testOrigin, newSigner(t, algEdDSA).sign), false),
	} {
		if err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	if _, err := parseAssertion(assertion(flagUP|flagUV|flagAT, 7, testOrigin, s.sign)); err == nil {
		t.Error("an assertion with attested credential data parsed")
	}
	for _, c := range []struct {
		stored, reported uint32
		clone            bool
	}{{0, 0, false}, {0, 1, false}, {5, 6, false}, {5, 5, true}, {5, 0, true}, {5, 4, true}} {
		if cloned(c.stored, c.reported) != c.clone {
			t.Errorf("cloned(%d, %d) = %t", c.stored, c.reported, !c.clone)
		}
	}
}

// A packed attestation certificate must meet §8.2.1: besides version 3 and no CA,
// a subject with a country, an organization, the unit "Authenticator Attestation"
// and a common name.
func TestPackedAttestationCertificateSubject(t *testing.T) {
	st := ceremonyState{Challenge: newChallenge(), RPID: testRPID, UserVerification: "required"}
	withCert := func(subject pkix.Name) registration {
		r := goodRegistration()
		r.format = "packed"
		r.attStmt = func(_ signer, signed []byte) map[string]any {
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: subject, NotBefore: time.Now().Add(-time.Hour),
				NotAfter: time.Now().Add(time.Hour), BasicConstraintsValid: true}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
			if err != nil {
				t.Fatal(err)
			}
			d := sha256.Sum256(signed)
			sig, _ := ecdsa.SignASN1(rand.Reader, key, d[:])
			return map[string]any{"alg": algES256, "sig": sig, "x5c": []any{der}}
		}
		return r
	}
	verify := func(r registration) (string, error) { return verifyRegistration(t, st, r) }
	good := pkix.Name{Country: []string{"US"}, Organization: []string{"Vendor"}, OrganizationalUnit: []string{"Authenticator Attestation"}, CommonName: "Vendor Key"}
	if typ, err := verify(withCert(good)); err != nil || typ != "basic_full" {
		t.Fatalf("a good packed attestation: %q, %v", typ, err)
	}
	for name, subject := range map[string]pkix.Name{
		"no subject":     {},
		"another unit":   {Country: good.Country, Organization: good.Organization, OrganizationalUnit: []string{"Web"}, CommonName: good.CommonName},
		"no country":     {Organization: good.Organization, OrganizationalUnit: good.OrganizationalUnit, CommonName: good.CommonName},
		"no org":         {Country: good.Country, OrganizationalUnit: good.OrganizationalUnit, CommonName: good.CommonName},
		"no common name": {Country: good.Country, Organization: good.Organization, OrganizationalUnit: good.OrganizationalUnit},
	} {
		if typ, err := verify(withCert(subject)); err == nil {
			t.Errorf("%s: verified as %q", name, typ)
		}
	}
}
