// Package pagefile is the page file: a page, and optionally the magnet it gates,
// written as YAML, so that pages can live as code. The console downloads a page
// as one (Write) and leadctl applies them (its subpackage reader reads them); the
// format lives here, so that a page written by one is read back the same by the
// other.
package pagefile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// Write writes p as a page file that Parse reads back as p: the members of the
// page's JSON in its order, durations as strings such as 48h, texts of several lines
// as YAML blocks. created_at and updated_at are left out: the service keeps them;
// so are description_html and thank_you_html (the page's and its variants'),
// derived from the Markdown when the page is saved, and the A/B test's start and
// history: they are no settings.
// The file names the page's magnet by magnet_id and has no magnet: section, so
// applying it needs the magnet to exist, as it does where the page came from.
func Write(p leadgate.Page) ([]byte, error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("page file of %s: %w", p.Slug, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := nodeOf(dec)
	if err != nil {
		return nil, fmt.Errorf("page file of %s: %w", p.Slug, err)
	}
	root.content = without(root.content, "created_at", "updated_at", "description_html", "thank_you_html",
		"variants_since", "variant_history")
	if vs := member(root, "variants"); vs != nil {
		for _, v := range vs.content {
			v.content = without(v.content, "description_html")
		}
	}
	if fu := member(root, "follow_up"); fu != nil {
		toDuration(fu, "reminder_after")
		if steps := member(fu, "nurture"); steps != nil {
			for _, s := range steps.content {
				toDuration(s, "after")
			}
		}
	}
	head := "The page " + p.Slug + " of Leadgate. Apply it with\n" +
		"  leadctl pages apply -f " + p.Slug + ".yaml\n" +
		"infra/examples/page.yaml explains every setting."
	return emit(head, root), nil
}

// nodeOf reads the next JSON value of dec as a node, keeping the order of object
// members.
func nodeOf(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &node{kind: sequenceNode}
		if t == '{' {
			n.kind = mappingNode
		}
		for dec.More() {
			if n.kind == mappingNode {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.content = append(n.content, &node{kind: stringNode, value: k.(string)})
			}
			v, err := nodeOf(dec)
			if err != nil {
				return nil, err
			}
			n.content = append(n.content, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &node{kind: stringNode, value: t}, nil
	case json.Number:
		return &node{kind: literalNode, value: t.String()}, nil
	case bool:
		return &node{kind: literalNode, value: strconv.FormatBool(t)}, nil
	case nil:
		return &node{kind: literalNode, value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// literalSafe reports whether a YAML block keeps s exactly: no character but its
// line feeds that must be escaped (rawSafe: tabs, carriage returns and other
// control characters, and the characters YAML readers take for line breaks, which
// would end the block and start settings of their own), and no line that ends or
// starts in a way a block would change.
func literalSafe(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && !rawSafe(r) }) {
		return false
	}
	if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasSuffix(line, " ") {
			return false
		}
	}
	return true
}

// member returns the value of key in the mapping m, or nil.
func member(m *node, key string) *node {
	if m == nil || m.kind != mappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.content); i += 2 {
		if m.content[i].value == key {
			return m.content[i+1]
		}
	}
	return nil
}

// without returns the members of a mapping's content without keys.
func without(content []*node, keys ...string) []*node {
	var kept []*node
	for i := 0; i+1 < len(content); i += 2 {
		drop := false
		for _, k := range keys {
			drop = drop || content[i].value == k
		}
		if !drop {
			kept = append(kept, content[i], content[i+1])
		}
	}
	return kept
}

// toDuration writes m[key], nanoseconds in the JSON, as a duration string.
func toDuration(m *node, key string) {
	v := member(m, key)
	if v == nil || v.kind != literalNode {
		return
	}
	ns, err := strconv.ParseInt(v.value, 10, 64)
	if err != nil {
		return
	}
	v.kind, v.value = stringNode, FormatDuration(time.Duration(ns))
}

// FormatDuration writes d as page files and the console write durations: 48h,
// 1h30m, 90s, without the zero units Go's own form ends with (48h0m0s).
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
