package leadgate_test

import (
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
