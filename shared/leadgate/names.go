package leadgate

// The shapes of names (slugs, field names, step ids), checked byte by byte: a
// package-level regexp would be compiled at every Lambda cold start, which costs
// more than the rest of the domain's start-up.

func isLowerOrDigit(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// ValidSlug reports whether s can name a page or a magnet (and so stand in a URL):
// 1 to 64 lower-case letters, digits and inner hyphens.
func ValidSlug(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLowerOrDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// validFieldName: a lower-case letter, then up to 39 lower-case letters, digits and
// underscores.
func validFieldName(s string) bool {
	if len(s) == 0 || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLowerOrDigit(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// validStepID: a lower-case letter or digit, then up to 31 of them or hyphens.
func validStepID(s string) bool {
	if len(s) == 0 || len(s) > 32 || !isLowerOrDigit(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLowerOrDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// plainExtension: a dot and 1 to 10 lower-case letters or digits.
func plainExtension(ext string) bool {
	if len(ext) < 2 || len(ext) > 11 || ext[0] != '.' {
		return false
	}
	for i := 1; i < len(ext); i++ {
		if !isLowerOrDigit(ext[i]) {
			return false
		}
	}
	return true
}
