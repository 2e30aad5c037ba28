package lambdaruntime

import "strings"

// isSecretName reports whether an environment variable's name marks its value as a
// secret: a word SECRET, PASSWORD, PASSWD, PRIVATE or CREDENTIALS anywhere
// (FORM_SIGNING_SECRET, AWS_SECRET_ACCESS_KEY), or a last word TOKEN or KEY
// (AWS_SESSION_TOKEN, API_KEY), but not FORM_TOKEN_MAX_AGE.
func isSecretName(name string) bool {
	words := strings.Split(strings.ToUpper(name), "_")
	for _, w := range words {
		switch w {
		case "SECRET", "PASSWORD", "PASSWD", "PRIVATE", "CREDENTIALS":
			return true
		}
	}
	last := words[len(words)-1]
	return last == "TOKEN" || last == "KEY"
}

// minRedacted is the shortest value redacted: cutting every "a" out of a message
// would hide more than it protects.
const minRedacted = 4

// Redact replaces, in msg, the value of every variable of environ (NAME=value) whose
// name marks it as a secret: error messages go to the logs, the console and invoke
// responses, and one may quote a setting.
func Redact(msg string, environ []string) string {
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || len(value) < minRedacted || !isSecretName(name) {
			continue
		}
		msg = strings.ReplaceAll(msg, value, "[value of "+name+" redacted]")
	}
	return msg
}
