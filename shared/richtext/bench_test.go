package richtext_test

import (
	"strings"
	"testing"

	"leadgate/shared/richtext"
)

// A page's description of a few paragraphs, rendered at each page view.
func BenchmarkHTML(b *testing.B) {
	md := strings.Repeat("**Twelve plays** that turn visitors into leads, see [the method](https://example.com/method).\n\n- what to offer\n- how to ask\n\n", 4)
	for b.Loop() {
		richtext.HTML(md)
	}
}
