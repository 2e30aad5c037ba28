package capture_test

import (
	"slices"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// The arm a form token was signed for is the submission's, and the form is
// checked as that arm asks it: a required field the arm leaves out is not asked,
// and not kept if posted. A token of an arm the page no longer has, or of none,
// records no arm and checks the page's own form.
func TestCaptureRecordsArm(t *testing.T) {
	p := testPage()
	const arm = "short-form-2026-abcd" // the longest id
	p.Variants = []leadgate.Variant{{ID: arm, Fields: []string{"email", "phone"}}}
	armed := func(h *harness, a string, values map[string]string) map[string]string {
		values[leadgate.FieldNameFormToken] = h.key.ArmFormToken(p.Slug, a, now.Add(-10*time.Second))
		return values
	}

	h := newHarness(t, p)
	req := h.request(nil)
	req.Values = armed(h, arm, map[string]string{"email": "ada@example.com", "name": "Ada", "phone": "+44 20 7946 0000"})
	sub, res := h.submission(t, req)
	if sub.Variant != arm || sub.Values["name"] != "" || sub.Values["phone"] == "" || !slices.Contains(res.Ignored, "name") {
		t.Errorf("submission on arm %s: %+v, ignored %v", arm, sub, res.Ignored)
	}

	h = newHarness(t, p)
	req = h.request(nil)
	req.Values = armed(h, "gone", map[string]string{"email": "ada@example.com", "name": "Ada"})
	if sub, _ := h.submission(t, req); sub.Variant != "" {
		t.Errorf("an arm the page does not have was recorded: %q", sub.Variant)
	}

	h = newHarness(t, p)
	if got := h.fieldErrors(t, h.request(map[string]string{"email": "ada@example.com"})); !slices.Contains(got, "name:required") {
		t.Errorf("the control's form without its required name: %v", got)
	}
}
