package leadgate_test

import (
	"testing"

	"leadgate/shared/leadgate"
)

func TestCheckTextRefusesInvisibleCharacters(t *testing.T) {
	for _, v := range []string{"Ada\u202eecalevoL", "Ada\u200bLovelace", "Ada\u2066x\u2069", "\ufeffAda", "Ada\u200eLovelace", "Ada\u00adLovelace"} {
		if fe := leadgate.CheckText("name", v, 100, true); fe == nil || fe.Code != "invisible_character" {
			t.Errorf("CheckText(%q) = %+v, want invisible_character", v, fe)
		}
	}
	// Joiners are part of writing Persian, Indic scripts and emoji.
	for _, v := range []string{"می\u200cخواهم", "क्\u200dष", "👩\u200d💻", "Zoë O'Brien-Núñez", "李小龙"} {
		if fe := leadgate.CheckText("name", v, 100, false); fe != nil {
			t.Errorf("CheckText(%q) = %+v, want accepted", v, fe)
		}
	}
}

func TestPlainName(t *testing.T) {
	for _, name := range []string{"Ada Lovelace", "J. R. R. Tolkien", "J.R.R. Tolkien", "Martin Luther King Jr.", "Mary-Ann O'Neil", "José", "Dr. Who", "1.5 Ada", "Ada / Lovelace", "<b>Ada</b>"} {
		if !leadgate.PlainName(name) {
			t.Errorf("PlainName(%q) = false, want true", name)
		}
	}
	for _, name := range []string{"https://evil.example/verify-your-account", "evil.example", "Visit bit.ly now", "ada@evil.example", "www.evil", "WWW.EVIL", "ftp://x"} {
		if leadgate.PlainName(name) {
			t.Errorf("PlainName(%q) = true, want false", name)
		}
		if fe := leadgate.CheckPlainName("name", name); fe == nil || fe.Field != "name" {
			t.Errorf("CheckPlainName(%q) = %+v", name, fe)
		}
	}
}
