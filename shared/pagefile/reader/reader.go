// Package reader reads page files (leadgate/shared/pagefile writes them), for
// leadctl. It is a package of its own so that the Lambda functions, which only
// write page files, do not link the YAML library.
package reader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"leadgate/shared/leadgate"
)

// A page file is the page's JSON of the admin API written as YAML, plus an optional
// magnet: section (the magnet's JSON) for the magnet the page gates. Durations
// (follow_up.reminder_after, follow_up.nurture[].after) are strings such as 48h,
// where the JSON has nanoseconds. infra/examples/page.yaml documents the format.

// Parse reads a page file: the page, and its magnet when the file has a
// magnet: section (whose id then names the page's magnet). Every problem is an
// EINVALID error naming its field.
func Parse(data []byte) (leadgate.Page, *leadgate.Magnet, error) {
	var page leadgate.Page
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return page, nil, leadgate.Errorf(leadgate.EMALFORMED, "not a YAML page file: %v", err)
	}
	if doc == nil {
		return page, nil, leadgate.Errorf(leadgate.EMALFORMED, "the page file is empty")
	}
	var fields []leadgate.FieldError
	var magnet *leadgate.Magnet
	if raw, ok := doc["magnet"]; ok {
		delete(doc, "magnet")
		magnet = &leadgate.Magnet{}
		fields = append(fields, decodeJSON("magnet.", raw, magnet)...)
		if id, _ := doc["magnet_id"].(string); id == "" {
			doc["magnet_id"] = magnet.ID
		} else if id != magnet.ID {
			fields = append(fields, leadgate.FieldError{Field: "magnet_id", Code: "mismatch", Message: "the page gates magnet " + id + " but the magnet: section describes " + magnet.ID})
		}
	}
	if fu, ok := doc["follow_up"].(map[string]any); ok {
		fields = append(fields, toNanoseconds(fu, "reminder_after", "follow_up.reminder_after")...)
		steps, _ := fu["nurture"].([]any)
		for i, s := range steps {
			if step, ok := s.(map[string]any); ok {
				fields = append(fields, toNanoseconds(step, "after", fmt.Sprintf("follow_up.nurture[%d].after", i))...)
			}
		}
	}
	if len(fields) == 0 {
		fields = append(fields, decodeJSON("", doc, &page)...)
	}
	if len(fields) > 0 {
		return page, magnet, &leadgate.Error{Code: leadgate.EINVALID, Message: "the page file is not valid", Fields: fields}
	}
	// The HTML of the texts is the service's to render when the page is saved; a
	// file's own (one made from the admin API's JSON, say) is not taken.
	page.DescriptionHTML, page.ThankYouHTML = "", ""
	for i := range page.Variants {
		page.Variants[i].DescriptionHTML = ""
	}
	// A test's start and history are the service's record, kept whatever a file says.
	page.VariantsSince, page.VariantHistory = time.Time{}, nil
	return page, magnet, nil
}

// toNanoseconds replaces m[key], a duration string such as 48h, with its
// nanoseconds, as the JSON of the page holds it.
func toNanoseconds(m map[string]any, key, field string) []leadgate.FieldError {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	s, isString := v.(string)
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if !isString || err != nil {
		return []leadgate.FieldError{{Field: field, Code: "invalid", Message: fmt.Sprintf("%v is not a duration: write one such as 48h or 90m", v)}}
	}
	m[key] = int64(d)
	return nil
}

// decodeJSON decodes v (YAML made into JSON values) into out, naming each unknown
// member and each value of the wrong type.
func decodeJSON(prefix string, v any, out any) []leadgate.FieldError {
	data, err := json.Marshal(v)
	if err != nil {
		return []leadgate.FieldError{{Field: strings.TrimSuffix(prefix, "."), Code: "invalid", Message: "holds a value JSON cannot carry: " + err.Error()}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(out)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &typeErr):
		return []leadgate.FieldError{{Field: prefix + typeErr.Field, Code: "type", Message: "must be a " + typeErr.Type.String()}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return []leadgate.FieldError{{Field: prefix + name, Code: "unknown", Message: "no such field (check its spelling)"}}
	}
	return []leadgate.FieldError{{Field: strings.TrimSuffix(prefix, "."), Code: "invalid", Message: err.Error()}}
}
