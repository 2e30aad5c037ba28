package pagefile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

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
	root.Content = without(root.Content, "created_at", "updated_at", "description_html", "thank_you_html",
		"variants_since", "variant_history")
	if vs := member(root, "variants"); vs != nil {
		for _, v := range vs.Content {
			v.Content = without(v.Content, "description_html")
		}
	}
	if fu := member(root, "follow_up"); fu != nil {
		toDuration(fu, "reminder_after")
		if steps := member(fu, "nurture"); steps != nil {
			for _, s := range steps.Content {
				toDuration(s, "after")
			}
		}
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root},
		HeadComment: "The page " + p.Slug + " of Leadgate. Apply it with\n" +
			"  leadctl pages apply -f " + p.Slug + ".yaml\n" +
			"infra/examples/page.yaml explains every setting."}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("page file of %s: %w", p.Slug, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("page file of %s: %w", p.Slug, err)
	}
	return out.Bytes(), nil
}

// nodeOf reads the next JSON value of dec as a YAML node, keeping the order of
// object members.
func nodeOf(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		}
		for dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.(string)})
			}
			v, err := nodeOf(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if n.Kind == yaml.SequenceNode && len(n.Content) > 0 && n.Content[0].Kind == yaml.ScalarNode {
			n.Style = yaml.FlowStyle // [utm_source, referrer]
		}
		return n, nil
	case string:
		return textNode(t), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// textNode is a string as YAML writes it: a block for a text of several lines
// (an email's body reads as it is sent), quoted where a plain scalar would read as
// something else.
func textNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") && literalSafe(s) {
		n.Style = yaml.LiteralStyle
	}
	return n
}

// literalSafe reports whether a YAML block keeps s exactly: no carriage returns,
// tabs or other control characters, and no line that ends or starts in a way a
// block would change.
func literalSafe(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\n' }) {
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
func member(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// without returns the members of a mapping's content without keys.
func without(content []*yaml.Node, keys ...string) []*yaml.Node {
	var kept []*yaml.Node
	for i := 0; i+1 < len(content); i += 2 {
		drop := false
		for _, k := range keys {
			drop = drop || content[i].Value == k
		}
		if !drop {
			kept = append(kept, content[i], content[i+1])
		}
	}
	return kept
}

// toDuration writes m[key], nanoseconds in the JSON, as a duration string.
func toDuration(m *yaml.Node, key string) {
	v := member(m, key)
	if v == nil || v.Tag != "!!int" {
		return
	}
	var ns int64
	if _, err := fmt.Sscan(v.Value, &ns); err != nil {
		return
	}
	v.Tag, v.Value = "!!str", FormatDuration(time.Duration(ns))
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
