package emails

import (
	"strconv"
	"strings"
	"testing"
)

// TestParsedCacheIsBounded: a process that reads many texts keeps at most
// maxCachedBytes of them, and every text still renders as itself.
func TestParsedCacheIsBounded(t *testing.T) {
	c := parsedCache{parse: parseText}
	pad := strings.Repeat("x", 1000)
	for i := range 3000 {
		src := strconv.Itoa(i) + " {{.FirstName}} " + pad
		got, err := c.get(src)
		if err != nil {
			t.Fatal(err)
		}
		if text := got.text(&Data{FirstName: "Ada"}); text != strconv.Itoa(i)+" Ada "+pad {
			t.Fatalf("text %d rendered as %.40q", i, text)
		}
		if c.bytes > maxCachedBytes {
			t.Fatalf("the cache holds %d bytes", c.bytes)
		}
	}
	if _, err := c.get("{{.Nope}}"); err == nil || c.m["{{.Nope}}"] != nil {
		t.Fatalf("a refused text: %v, kept %v", err, c.m["{{.Nope}}"] != nil)
	}
}
