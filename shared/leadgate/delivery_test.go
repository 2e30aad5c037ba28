package leadgate_test

import (
	"slices"
	"strings"
	"testing"

	"leadgate/shared/leadgate"
)

// A link's or a trial's target is an https URL a lead's browser may be sent to:
// not one inside the lead's own network or machine.
func TestDeliveryTargets(t *testing.T) {
	for target, ok := range map[string]bool{
		"https://events.example.com/webinar/42?ref=lg": true,
		"https://93.184.215.14/webinar":                true,
		"https://[2606:4700::1111]/w":                  true,
		"http://events.example.com/webinar":            false,
		"https://user:pw@events.example.com/":          false,
		"https://localhost/":                           false,
		"https://app.localhost:8080/":                  false,
		"https://127.0.0.1/":                           false,
		"https://10.1.2.3/":                            false,
		"https://192.168.0.10/":                        false,
		"https://169.254.169.254/latest/meta-data":     false,
		"https://[::1]/":                               false,
		"https://[fd00::1]/":                           false,
		"https://[::ffff:10.0.0.1]/":                   false,
		"https://0.0.0.0/":                             false,
		"https://2130706433/":                          false,
		"https://127.1/":                               false,
		"https://0x7f.0.0.1/":                          false,
		"https://0177.0.0.1/":                          false,
		"https://１２７.０.０.１/":                           false,
		"https://xn--bcher-kva.de/":                    true,
		"https://bücher.de/":                           false,
	} {
		for _, kind := range []leadgate.Delivery{leadgate.DeliveryLink, leadgate.DeliveryTrial} {
			m := leadgate.Magnet{ID: "m", Title: "M", Delivery: kind}
			field := "link_url"
			if kind == leadgate.DeliveryLink {
				m.LinkURL = target
			} else {
				m.TrialURL, field = target, "trial_url"
			}
			err := m.Validate()
			refused := err != nil && strings.Contains(err.Error()+fieldsOf(err), field)
			if refused == ok {
				t.Errorf("%s %s: %v, want ok %v", kind, target, err, ok)
			}
		}
	}
}

// A host is read as a browser reads it (WHATWG URL): one whose last label is a
// number is an IPv4 address in any form a browser takes, refused when it is no
// valid one; a host that is not ASCII is mapped by the browser onto one, so it is
// refused.
func TestPublicHost(t *testing.T) {
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"events.example.com", true},
		{"events.example.com.", true},
		{"xn--bcher-kva.de", true},
		{"1e100.net", true},
		{"", false},
		{".", false},
		{"localhost", false},
		{"LOCALHOST.", false},
		{"app.localhost", false},

		// Every form of 127.0.0.1 a browser takes.
		{"127.0.0.1", false},
		{"127.0.0.1.", false},
		{"127.1", false},
		{"127.0.1", false},
		{"2130706433", false},
		{"0x7f000001", false},
		{"0X7F000001", false},
		{"0x7f.0.0.1", false},
		{"0x7F.1", false},
		{"0177.0.0.1", false},
		{"0177.1", false},
		{"017700000001", false},
		{"0x7f.0x0.0x0.0x1", false},
		{"127.0.0.0x1", false},

		// Private, link-local and unspecified addresses the same way.
		{"10.1", false},
		{"167772161", false},     // 10.0.0.1
		{"0xa9fea9fe", false},    // 169.254.169.254
		{"169.254.43518", false}, // 169.254.169.254
		{"0xc0.0xa8.0.1", false}, // 192.168.0.1
		{"0", false},             // 0.0.0.0
		{"0x", false},            // 0.0.0.0
		{"4294967295", false},    // 255.255.255.255
		{"::1", false},
		{"::ffff:7f00:1", false}, // ::ffff:127.0.0.1
		{"fe80::1%eth0", false},  // with a zone

		// Public addresses in the browser's forms.
		{"93.184.215.14", true},
		{"93.184.55054", true},
		{"0x5db8d70e", true},
		{"1572394766", true},
		{"0135.0270.0327.016", true},
		{"00000135.0.0.1", true}, // octal 135: 93.0.0.1
		{"2606:4700::1111", true},

		// Ends in a number but is no address: a browser refuses it too.
		{"256.0.0.1", false},
		{"1.2.3.4.5", false},
		{"1.2.3.256", false},
		{"4294967296", false},
		{"1.16777216", false},
		{"08.0.0.1", false},
		{"0x7g.0.0.1", false},
		{"example.123", false},
		{"example.0x", false},
		{"1..1", false},

		// Not ASCII: a browser maps it onto ASCII (IDNA), which may be an address,
		// as the first two are 127.0.0.1.
		{"１２７.０.０.１", false},
		{"127。0。0。1", false},
		{"bücher.de", false},
	} {
		if got := leadgate.PublicHost(tc.host); got != tc.ok {
			t.Errorf("PublicHost(%q) = %v, want %v", tc.host, got, tc.ok)
		}
	}
}

func fieldsOf(err error) string {
	var b strings.Builder
	for _, f := range leadgate.AsError(err).Fields {
		b.WriteString(f.Field + " ")
	}
	return b.String()
}

// A bundle may be stored while it is assembled, with fewer than the files it
// needs, but never more than 10; each file's label is plain text.
func TestBundleFiles(t *testing.T) {
	file := func(name, label string) leadgate.MagnetFile {
		return leadgate.MagnetFile{ObjectKey: leadgate.BundleFileKey("kit", name), FileName: name, ContentType: "application/pdf", Label: label}
	}
	m := leadgate.Magnet{ID: "kit", Title: "Kit", Delivery: leadgate.DeliveryBundle}
	if err := m.Validate(); err != nil || m.BundleReady() {
		t.Fatalf("empty bundle: %v, ready %v", err, m.BundleReady())
	}
	for i := range 10 {
		m.Bundle = append(m.Bundle, file("File "+string(rune('a'+i))+".pdf", ""))
	}
	if err := m.Validate(); err != nil || !m.BundleReady() {
		t.Fatalf("10 files: %v", err)
	}
	if k := leadgate.BundleFileKey("kit", "File a.pdf"); !strings.HasPrefix(k, "magnets/kit/") || !strings.HasSuffix(k, ".pdf") ||
		k == leadgate.BundleFileKey("kit", "File b.pdf") || k == leadgate.BundleFileKey("kit-2", "File a.pdf") {
		t.Fatalf("keys %s", k)
	}
	m.Bundle = append(m.Bundle, file("Eleven.pdf", ""))
	if err := m.Validate(); err == nil {
		t.Fatal("11 files taken")
	}
	m.Bundle = []leadgate.MagnetFile{file("A.pdf", "line\nbreak"), file("B.pdf", strings.Repeat("x", leadgate.MaxBundleLabel+1))}
	if got := fieldsOf(m.Validate()); got != "bundle.0 bundle.1 " {
		t.Fatalf("bad labels: fields %q", got)
	}
	if f := file("A.pdf", ""); f.Name() != "A.pdf" {
		t.Fatalf("an unlabelled file is called %q", f.Name())
	}
}

// A CSV file Excel saves as UTF-8 starts with a byte order mark: its first code,
// or its header, reads as if it had none, also where the console joins the file to
// codes pasted before it.
func TestParseCouponsByteOrderMark(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		want      []string
	}{
		{"header", "\ufeffcode\r\nA1\r\nB2\r\n", []string{"A1", "B2"}},
		{"header and a column", "\ufeffcode,note\r\nA1,first\r\n", []string{"A1"}},
		{"no header", "\ufeffA1\r\nB2", []string{"A1", "B2"}},
		{"quoted", "\ufeff\"A1\"\n", []string{"A1"}},
		{"after pasted codes", "P1\nP2\n\ufeffA1\r\nB2\r\n", []string{"P1", "P2", "A1", "B2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := leadgate.ParseCoupons(tc.csv)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("ParseCoupons(%q) = %q, %v; want %q", tc.csv, got, err, tc.want)
			}
		})
	}
	// Anywhere else it is no printable character of a code.
	if _, err := leadgate.ParseCoupons("A\ufeff1\n"); leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Fatalf("a mark within a code: %v, want EINVALID", err)
	}
}
