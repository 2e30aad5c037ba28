package localdev_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"leadgate/shared/funnel"
	"leadgate/shared/localdev"
)

// stages reads the page's counts by stage as the console's funnel page shows them.
func (r *followupRun) stages(t *testing.T, page string) funnel.StageCounts {
	t.Helper()
	sc, err := r.srv.StageCounts(context.Background(), page)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// wantStages checks that the store's stage counters count the page's leads by stage
// as reading them all does, leads in all; the follower may still be scoring, so it
// tries for two seconds.
func (r *followupRun) wantStages(t *testing.T, page string, leads int) {
	t.Helper()
	var got, read funnel.StageCounts
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got = r.stages(t, page)
		var err error
		if read, err = r.srv.ReadStages(context.Background(), page); err != nil {
			t.Fatal(err)
		}
		if got == read && got.Cold+got.MQL+got.SQL == leads {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stage counters of %s count %+v; reading every lead gives %+v; want %d leads", page, got, read, leads)
		}
	}
}

// The console's funnel counts leads by stage from the store's stage counters: they
// agree with reading every lead after new leads, a second page, rescoring and
// erasures.
func TestStageCountersFollowTheStore(t *testing.T) {
	const token = "dashboard-test-admin-token-0123"
	r := startRun(t, token)
	ctx := context.Background()
	second := localdev.SamplePage(time.Now())
	second.Slug = "second-page"
	if err := r.srv.Store.PutPage(ctx, second); err != nil {
		t.Fatal(err)
	}
	r.submit(t, localdev.SampleSlug, "ada@example.com", true)
	r.submit(t, localdev.SampleSlug, "bob@example.com", false)
	r.waitMail(t, "bob@example.com", "Your copy of")
	r.wantStages(t, localdev.SampleSlug, 2)
	r.wantStages(t, second.Slug, 0)

	// A returning lead counts on both its pages.
	r.submit(t, localdev.SampleSlug, "cy@example.com", true)
	r.submit(t, second.Slug, "ada@example.com", true)
	r.waitMail(t, "cy@example.com", "Your copy of")
	r.wantStages(t, localdev.SampleSlug, 3)
	r.wantStages(t, second.Slug, 1)

	// An erased lead leaves both pages.
	erase := func(email string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodDelete, r.ts.URL+"/v1/admin/leads/"+email, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("erase %s: %d", email, res.StatusCode)
		}
	}
	erase("ada@example.com")
	r.wantStages(t, localdev.SampleSlug, 2)
	r.wantStages(t, second.Slug, 0)
	r.submit(t, second.Slug, "dee@example.com", true)
	r.waitMail(t, "dee@example.com", "Your copy of")
	erase("dee@example.com")
	r.submit(t, second.Slug, "eve@example.com", true)
	r.wantStages(t, second.Slug, 1)
	r.wantStages(t, localdev.SampleSlug, 2)
	// Across pages each lead counts once: bob and cy on the sample page, eve on the
	// second.
	if all := r.stages(t, ""); all.Cold+all.MQL+all.SQL != 3 {
		t.Fatalf("every page: %+v, want 3 leads", all)
	}
}
