package adminapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// A page saved with variants starts its test; the stats answer each arm's counts
// and, once every arm has the minimum sample, the significance; promoting a
// variant makes it the page, ends the test and keeps it in the history, the
// counters staying as they were.
func TestAdminVariantsStatsAndPromote(t *testing.T) {
	h := newAdminHarness(t)
	ctx := context.Background()
	p := storetest.Page("tested")
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	p.Variants = []leadgate.Variant{{ID: "b", Title: "Free playbook", Description: "Now **free**", Fields: []string{"email", "name"}}}
	p.VariantsSince = storetest.T0.Add(-1000 * time.Hour) // the service's, not a client's
	w := h.do(t, "PUT", "/v1/admin/pages/tested", "application/json", pageJSON(t, p))
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	stored, err := h.store.Page(ctx, "tested")
	if err != nil || !stored.VariantsSince.Equal(storetest.T0) || stored.Variants[0].DescriptionHTML != "<p>Now <strong>free</strong></p>" {
		t.Fatalf("stored %+v, %v", stored, err)
	}

	var st admin.PageStats
	getStats := func() {
		t.Helper()
		w := h.do(t, "GET", "/v1/admin/pages/tested/stats", "", "")
		if w.Code != http.StatusOK {
			t.Fatalf("stats: %d %s", w.Code, w.Body)
		}
		st = admin.PageStats{}
		if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
			t.Fatal(err)
		}
	}
	day := leadgate.Day(storetest.T0)
	n := 0
	count := func(arm string, views, leads int) {
		for range views {
			if err := h.store.CountArmView(ctx, "tested", day, leadgate.Source{}, arm); err != nil {
				t.Fatal(err)
			}
		}
		for range leads {
			n++
			sub := leadgate.Submission{ID: "sub-" + strconv.Itoa(n), Page: "tested", At: storetest.T0, Variant: arm}
			if err := h.store.CountLead(ctx, sub); err != nil {
				t.Fatal(err)
			}
		}
	}
	count("control", 50, 5)
	getStats()
	if st.Variants == nil || st.Variants.Enough || len(st.Variants.Arms) != 2 || st.Variants.Arms[0].Views != 50 ||
		st.Variants.Summary != "not enough data yet: every arm needs at least 100 views and 10 leads (two-proportion z-test, two-sided)" {
		t.Fatalf("early stats %+v", st.Variants)
	}
	count("control", 150, 15)
	count("b", 200, 40)
	getStats()
	b := st.Variants.Arms[1]
	if !st.Variants.Enough || b.Arm != "b" || b.Views != 200 || b.Leads != 40 || b.PValue == nil || *b.Lift != 1 || st.Totals.Views != 400 {
		t.Fatalf("stats %+v, totals %+v", st.Variants, st.Totals)
	}

	if w := h.do(t, "POST", "/v1/admin/pages/tested/variants/nope/promote", "", ""); w.Code != http.StatusNotFound {
		t.Errorf("unknown variant: %d %s", w.Code, w.Body)
	}
	if w := h.do(t, "GET", "/v1/admin/pages/tested/variants/b/promote", "", ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET promote: %d", w.Code)
	}
	h.now = storetest.T0.Add(48 * time.Hour)
	w = h.do(t, "POST", "/v1/admin/pages/tested/variants/b/promote", "", "")
	if w.Code != http.StatusOK {
		t.Fatalf("promote: %d %s", w.Code, w.Body)
	}
	won, err := h.store.Page(ctx, "tested")
	if err != nil || won.Title != "Free playbook" || won.HasVariants() || len(won.Fields) != 2 || won.DescriptionHTML != "<p>Now <strong>free</strong></p>" {
		t.Fatalf("promoted page %+v, %v", won, err)
	}
	hist := won.VariantHistory
	if len(hist) != 1 || hist[0].Winner != "b" || !hist[0].Started.Equal(storetest.T0) || !hist[0].Ended.Equal(h.now) ||
		!slices.Equal(hist[0].Arms, []leadgate.ArmCounts{{Arm: "control", Views: 200, Leads: 20}, {Arm: "b", Views: 200, Leads: 40}}) {
		t.Fatalf("history %+v", hist)
	}
	getStats()
	if st.Variants != nil || len(st.VariantHistory) != 1 || st.Totals.Leads != 60 {
		t.Errorf("stats after promotion: %+v %+v %+v", st.Variants, st.VariantHistory, st.Totals)
	}
	if w := h.do(t, "POST", "/v1/admin/pages/tested/variants/b/promote", "", ""); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("promote without a test: %d %s", w.Code, w.Body)
	}

	// A save keeps the history whatever the client sends; a new test starts now,
	// and a save without the variants ends it without a winner.
	won.VariantHistory = nil
	won.Variants = []leadgate.Variant{{ID: "c", ButtonText: "Go"}}
	if w := h.do(t, "PUT", "/v1/admin/pages/tested", "application/json", pageJSON(t, won)); w.Code != http.StatusOK {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	again, _ := h.store.Page(ctx, "tested")
	if len(again.VariantHistory) != 1 || !again.VariantsSince.Equal(h.now) {
		t.Errorf("new test: since %v, history %+v", again.VariantsSince, again.VariantHistory)
	}
	again.Variants = nil
	h.now = h.now.Add(time.Hour)
	if w := h.do(t, "PUT", "/v1/admin/pages/tested", "application/json", pageJSON(t, again)); w.Code != http.StatusOK {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	ended, _ := h.store.Page(ctx, "tested")
	if len(ended.VariantHistory) != 2 || ended.VariantHistory[1].Winner != "" || ended.VariantHistory[1].Arms[1].Arm != "c" || !ended.VariantsSince.IsZero() {
		t.Errorf("ended test: %+v", ended.VariantHistory)
	}
}
