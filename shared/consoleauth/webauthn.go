package consoleauth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The relying party's side of WebAuthn Level 3 (https://www.w3.org/TR/webauthn-3/),
// for what the console asks: discoverable credentials with user verification,
// attestation "none". Registration (§7.1) takes the "none" attestation format, and
// "packed" (§8.2) whose signature it checks, self or with a certificate, trusting
// no authority: browsers asked for no attestation send "none". Sign-in (§7.2)
// checks an assertion's signature with the stored COSE key.

// b64url is bytes that travel as unpadded base64url in JSON, as WebAuthn's JSON
// does; padding is taken on input.
type b64url []byte

func (b b64url) MarshalJSON() ([]byte, error) {
	return json.Marshal(base64.RawURLEncoding.EncodeToString(b))
}

func (b *b64url) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	out, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return err
	}
	*b = out
	return nil
}

// challengeBytes is the size of a ceremony's random challenge.
const challengeBytes = 32

func newChallenge() string {
	b := make([]byte, challengeBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ceremonyState is what a ceremony keeps between its begin and its finish (the
// JSON names are those the WebAuthn library used for its session data).
type ceremonyState struct {
	Challenge        string    `json:"challenge"`
	RPID             string    `json:"rpId"`
	UserID           b64url    `json:"user_id,omitempty"`
	Expires          time.Time `json:"expires"`
	UserVerification string    `json:"userVerification"`
}

type credentialDescriptor struct {
	Type       string   `json:"type"`
	ID         b64url   `json:"id"`
	Transports []string `json:"transports,omitempty"`
}

// creationOptions is the JSON of navigator.credentials.create's options.
type creationOptions struct {
	PublicKey struct {
		RP struct {
			Name string `json:"name"`
			ID   string `json:"id"`
		} `json:"rp"`
		User struct {
			Name        string `json:"name"`
			DisplayName string `json:"displayName"`
			ID          b64url `json:"id"`
		} `json:"user"`
		Challenge        string `json:"challenge"`
		PubKeyCredParams []struct {
			Type string `json:"type"`
			Alg  int64  `json:"alg"`
		} `json:"pubKeyCredParams"`
		Timeout                int64                  `json:"timeout"`
		ExcludeCredentials     []credentialDescriptor `json:"excludeCredentials,omitempty"`
		AuthenticatorSelection struct {
			RequireResidentKey bool   `json:"requireResidentKey"`
			ResidentKey        string `json:"residentKey"`
			UserVerification   string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Attestation string `json:"attestation"`
	} `json:"publicKey"`
}

// requestOptions is the JSON of navigator.credentials.get's options: no allowed
// credentials, the passkey names its user.
type requestOptions struct {
	PublicKey struct {
		Challenge        string `json:"challenge"`
		Timeout          int64  `json:"timeout"`
		RPID             string `json:"rpId"`
		UserVerification string `json:"userVerification"`
	} `json:"publicKey"`
}

// clientData is the part of CollectedClientData the checks read.
type clientData struct {
	Type        string `json:"type"`
	Challenge   string `json:"challenge"`
	Origin      string `json:"origin"`
	CrossOrigin bool   `json:"crossOrigin"`
	TopOrigin   string `json:"topOrigin"`
}

// Authenticator data flags (§6.1).
const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagBE = 0x08 // backup eligible
	flagBS = 0x10 // backed up
	flagAT = 0x40 // attested credential data included
	flagED = 0x80 // extension data included
)

// authData is parsed authenticator data (§6.1).
type authData struct {
	raw       []byte
	rpIDHash  []byte
	flags     byte
	signCount uint32
	// Of a registration (flag AT):
	aaguid       []byte
	credentialID []byte
	publicKey    []byte // the COSE key's bytes, as stored
	key          coseKey
}

// parseAuthData reads authenticator data; attested says whether it must carry a
// credential (a registration's) or must not (an assertion's).
func parseAuthData(b []byte, attested bool) (authData, error) {
	if len(b) < 37 {
		return authData{}, errors.New("authenticator data too short")
	}
	a := authData{raw: b, rpIDHash: b[:32], flags: b[32], signCount: binary.BigEndian.Uint32(b[33:37])}
	rest := b[37:]
	if (a.flags&flagAT != 0) != attested {
		return authData{}, fmt.Errorf("attested credential data flag is %t, want %t", a.flags&flagAT != 0, attested)
	}
	if attested {
		if len(rest) < 18 {
			return authData{}, errors.New("attested credential data too short")
		}
		a.aaguid = rest[:16]
		n := int(binary.BigEndian.Uint16(rest[16:18]))
		rest = rest[18:]
		if n == 0 || n > 1023 || len(rest) < n {
			return authData{}, errors.New("credential ID of a bad length")
		}
		a.credentialID, rest = rest[:n], rest[n:]
		key, after, err := parseCOSEKey(rest)
		if err != nil {
			return authData{}, err
		}
		a.key, a.publicKey, rest = key, rest[:len(rest)-len(after)], after
	}
	if a.flags&flagED != 0 {
		ext, after, err := cborItem(rest)
		if _, ok := ext.(map[any]any); err != nil || !ok {
			return authData{}, errors.New("malformed authenticator extensions")
		}
		rest = after
	}
	if len(rest) != 0 {
		return authData{}, errors.New("trailing bytes after authenticator data")
	}
	return a, nil
}

// check runs the checks of authenticator data common to both ceremonies: the RP ID
// hash, user presence and verification, and the backup flags.
func (a authData) check(rpID string, requireUV bool) error {
	h := sha256.Sum256([]byte(rpID))
	switch {
	case subtle.ConstantTimeCompare(a.rpIDHash, h[:]) != 1:
		return errors.New("RP ID hash mismatch")
	case a.flags&flagUP == 0:
		return errors.New("user not present")
	case requireUV && a.flags&flagUV == 0:
		return errors.New("user not verified")
	case a.flags&flagBS != 0 && a.flags&flagBE == 0:
		return errors.New("backup state without backup eligibility")
	}
	return nil
}

// parseClientData reads clientDataJSON.
func parseClientData(raw []byte) (clientData, error) {
	var c clientData
	if err := json.Unmarshal(raw, &c); err != nil {
		return clientData{}, fmt.Errorf("client data: %w", err)
	}
	return c, nil
}

// check verifies the client data of a ceremony of typ against its state and the
// console's origin (§7.1 steps 7-10, §7.2 steps 11-14).
func (c clientData) check(typ string, s ceremonyState, origin string) error {
	switch {
	case c.Type != typ:
		return fmt.Errorf("client data type %q, want %q", c.Type, typ)
	case subtle.ConstantTimeCompare([]byte(c.Challenge), []byte(s.Challenge)) != 1 || s.Challenge == "":
		return errors.New("challenge mismatch")
	case !sameOrigin(c.Origin, origin):
		return fmt.Errorf("origin %q, want %q", c.Origin, origin)
	case c.CrossOrigin:
		return errors.New("made in a cross-origin frame")
	case c.TopOrigin != "":
		return errors.New("topOrigin without crossOrigin")
	}
	return nil
}

// sameOrigin compares two origins by scheme, host and port, case-insensitively.
func sameOrigin(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil || ua.Host == "" {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		ua.Path == "" && ua.RawQuery == "" && ua.Fragment == ""
}

// registrationAnswer is the PublicKeyCredential JSON of navigator.credentials.create.
type registrationAnswer struct {
	ID       string `json:"id"`
	RawID    b64url `json:"rawId"`
	Type     string `json:"type"`
	Response struct {
		ClientDataJSON    b64url   `json:"clientDataJSON"`
		AttestationObject b64url   `json:"attestationObject"`
		Transports        []string `json:"transports"`
	} `json:"response"`
	AuthenticatorAttachment string `json:"authenticatorAttachment"`
}

// parsedRegistration is a registration answer read through.
type parsedRegistration struct {
	client     clientData
	clientHash [32]byte
	format     string
	attStmt    map[any]any
	auth       authData
	transports []string
	attachment string
}

// parseCredentialID checks the id and rawId members of an answer.
func parseCredentialID(id string, raw []byte, typ string) error {
	decoded, err := base64.RawURLEncoding.DecodeString(id)
	switch {
	case id == "" || err != nil || len(decoded) == 0:
		return errors.New("missing or malformed credential id")
	case typ != "public-key":
		return errors.New("credential type is not public-key")
	case !bytes.Equal(decoded, raw):
		return errors.New("id does not match rawId")
	}
	return nil
}

// parseRegistration reads a registration answer; an error means it is malformed.
func parseRegistration(answer []byte) (parsedRegistration, error) {
	var a registrationAnswer
	if err := json.Unmarshal(answer, &a); err != nil {
		return parsedRegistration{}, err
	}
	if err := parseCredentialID(a.ID, a.RawID, a.Type); err != nil {
		return parsedRegistration{}, err
	}
	if len(a.Response.ClientDataJSON) == 0 || len(a.Response.AttestationObject) == 0 {
		return parsedRegistration{}, errors.New("missing client data or attestation object")
	}
	client, err := parseClientData(a.Response.ClientDataJSON)
	if err != nil {
		return parsedRegistration{}, err
	}
	obj, rest, err := cborItem(a.Response.AttestationObject)
	m, ok := obj.(map[any]any)
	if err != nil || !ok || len(rest) != 0 {
		return parsedRegistration{}, errors.New("malformed attestation object")
	}
	format, _ := m["fmt"].(string)
	stmt, okStmt := m["attStmt"].(map[any]any)
	raw, okAuth := m["authData"].([]byte)
	if format == "" || !okStmt || !okAuth {
		return parsedRegistration{}, errors.New("attestation object without fmt, attStmt or authData")
	}
	auth, err := parseAuthData(raw, true)
	if err != nil {
		return parsedRegistration{}, err
	}
	if !bytes.Equal(auth.credentialID, a.RawID) {
		return parsedRegistration{}, errors.New("credential ID differs from rawId")
	}
	attachment := ""
	if a.AuthenticatorAttachment == "platform" || a.AuthenticatorAttachment == "cross-platform" {
		attachment = a.AuthenticatorAttachment
	}
	return parsedRegistration{client: client, clientHash: sha256.Sum256(a.Response.ClientDataJSON), format: format, attStmt: stmt,
		auth: auth, transports: a.Response.Transports, attachment: attachment}, nil
}

// verify runs the registration checks (§7.1) and returns the attestation type.
func (r parsedRegistration) verify(s ceremonyState, origin string) (string, error) {
	if err := r.client.check("webauthn.create", s, origin); err != nil {
		return "", err
	}
	if err := r.auth.check(s.RPID, s.UserVerification == "required"); err != nil {
		return "", err
	}
	offered := false
	for _, alg := range offeredAlgs {
		offered = offered || alg == r.auth.key.alg
	}
	if !offered {
		return "", fmt.Errorf("algorithm %d was not offered", r.auth.key.alg)
	}
	return r.verifyAttestation()
}

// verifyAttestation checks the attestation statement (§8.2, §8.7).
func (r parsedRegistration) verifyAttestation() (string, error) {
	switch r.format {
	case "none":
		if len(r.attStmt) != 0 {
			return "", errors.New(`attestation "none" with a statement`)
		}
		return "none", nil
	case "packed":
		alg, _ := r.attStmt["alg"].(int64)
		sig, _ := r.attStmt["sig"].([]byte)
		if len(sig) == 0 {
			return "", errors.New("packed attestation without a signature")
		}
		signed := append(append([]byte{}, r.auth.raw...), r.clientHash[:]...)
		chain, hasChain := r.attStmt["x5c"].([]any)
		if !hasChain {
			if alg != r.auth.key.alg || !r.auth.key.verify(signed, sig) {
				return "", errors.New("packed self attestation does not verify")
			}
			return "self", nil
		}
		if len(chain) == 0 {
			return "", errors.New("packed attestation with an empty x5c")
		}
		der, _ := chain[0].([]byte)
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return "", fmt.Errorf("packed attestation certificate: %w", err)
		}
		if !verifySignature(alg, cert.PublicKey, signed, sig) {
			return "", errors.New("packed attestation signature does not verify")
		}
		if cert.Version != 3 || cert.IsCA {
			return "", errors.New("packed attestation certificate is not a version 3 end-entity certificate")
		}
		// §8.2.1: the subject names the vendor's country, the vendor, this unit and a name.
		if sub := cert.Subject; len(sub.Country) != 1 || len(sub.Organization) == 0 || sub.CommonName == "" ||
			!slices.Equal(sub.OrganizationalUnit, []string{"Authenticator Attestation"}) {
			return "", errors.New("packed attestation certificate's subject is not an authenticator attestation's")
		}
		// id-fido-gen-ce-aaguid, when present, must name the authenticator's AAGUID.
		for _, ext := range cert.Extensions {
			if ext.Id.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 45724, 1, 1, 4}) {
				var aaguid []byte
				if ext.Critical {
					return "", errors.New("packed attestation: the AAGUID extension is critical")
				}
				if _, err := asn1.Unmarshal(ext.Value, &aaguid); err != nil || !bytes.Equal(aaguid, r.auth.aaguid) {
					return "", errors.New("packed attestation: the certificate's AAGUID differs")
				}
			}
		}
		return "basic_full", nil
	}
	return "", fmt.Errorf("attestation format %q is not taken (the console asks for none)", r.format)
}

// assertionAnswer is the PublicKeyCredential JSON of navigator.credentials.get.
type assertionAnswer struct {
	ID       string `json:"id"`
	RawID    b64url `json:"rawId"`
	Type     string `json:"type"`
	Response struct {
		ClientDataJSON    b64url `json:"clientDataJSON"`
		AuthenticatorData b64url `json:"authenticatorData"`
		Signature         b64url `json:"signature"`
		UserHandle        b64url `json:"userHandle"`
	} `json:"response"`
}

// parsedAssertion is an assertion answer read through.
type parsedAssertion struct {
	rawID, userHandle, clientDataJSON, signature []byte
	client                                       clientData
	auth                                         authData
}

// parseAssertion reads a sign-in answer; an error means it is malformed.
func parseAssertion(answer []byte) (parsedAssertion, error) {
	var a assertionAnswer
	if err := json.Unmarshal(answer, &a); err != nil {
		return parsedAssertion{}, err
	}
	if err := parseCredentialID(a.ID, a.RawID, a.Type); err != nil {
		return parsedAssertion{}, err
	}
	r := a.Response
	if len(r.ClientDataJSON) == 0 || len(r.AuthenticatorData) == 0 || len(r.Signature) == 0 {
		return parsedAssertion{}, errors.New("missing client data, authenticator data or signature")
	}
	client, err := parseClientData(r.ClientDataJSON)
	if err != nil {
		return parsedAssertion{}, err
	}
	auth, err := parseAuthData(r.AuthenticatorData, false)
	if err != nil {
		return parsedAssertion{}, err
	}
	return parsedAssertion{rawID: a.RawID, userHandle: r.UserHandle, clientDataJSON: r.ClientDataJSON, signature: r.Signature,
		client: client, auth: auth}, nil
}

// verify runs the sign-in checks (§7.2) with the stored key.
func (a parsedAssertion) verify(s ceremonyState, origin string, publicKey []byte, backupEligible bool) error {
	if err := a.client.check("webauthn.get", s, origin); err != nil {
		return err
	}
	if err := a.auth.check(s.RPID, s.UserVerification == "required"); err != nil {
		return err
	}
	if (a.auth.flags&flagBE != 0) != backupEligible {
		return errors.New("backup eligibility differs from the registration's")
	}
	key, rest, err := parseCOSEKey(publicKey)
	if err != nil || len(rest) != 0 {
		return fmt.Errorf("stored public key: %v", err)
	}
	hash := sha256.Sum256(a.clientDataJSON)
	if !key.verify(append(append([]byte{}, a.auth.raw...), hash[:]...), a.signature) {
		return errors.New("signature does not verify")
	}
	return nil
}

// cloned says whether a signature counter that the authenticator reports shows a
// clone: where either counter is kept (not 0), it must grow.
func cloned(stored, reported uint32) bool {
	return reported <= stored && (reported != 0 || stored != 0)
}
