package leadgate_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// testedPage is a valid page with two challengers.
func testedPage() leadgate.Page {
	p := storetest.Page("tested")
	p.ControlWeight = 50
	p.Variants = []leadgate.Variant{
		{ID: "b", Weight: 30, Title: "Get the playbook free", ButtonText: "Send it", Fields: []string{"email", "name"}},
		{ID: "short-form", Weight: 20, CoverImageURL: "/cover.png", Layout: leadgate.LayoutSplit},
	}
	return p
}

func visitor(i int) string { return fmt.Sprintf("visitor-%012d", i) }

// The same visitor id sees the same arm every time, and 10,000 visitors split
// within 3 points of the weights.
func TestAssignArmStableAndWeighted(t *testing.T) {
	for _, tc := range []struct {
		name string
		page leadgate.Page
		want map[string]float64
	}{
		{"weighted", testedPage(), map[string]float64{"control": 0.5, "b": 0.3, "short-form": 0.2}},
		{"equal by default", func() leadgate.Page {
			p := storetest.Page("equal")
			p.Variants = []leadgate.Variant{{ID: "b"}, {ID: "c"}, {ID: "d"}}
			return p
		}(), map[string]float64{"control": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 10000
			got := map[string]int{}
			for i := range n {
				arm := tc.page.AssignArm(visitor(i))
				if again := tc.page.AssignArm(visitor(i)); again != arm {
					t.Fatalf("visitor %d got %s, then %s", i, arm, again)
				}
				got[arm]++
			}
			for arm, share := range tc.want {
				if d := math.Abs(float64(got[arm])/n - share); d > 0.03 {
					t.Errorf("arm %s: %d of %d, want %.0f%% ± 3", arm, got[arm], n, share*100)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("arms %v, want %v", got, tc.want)
			}
		})
	}
	if arm := storetest.Page("plain").AssignArm(visitor(1)); arm != "" {
		t.Errorf("page without a test assigns %q", arm)
	}
}

// Changing one arm's weight moves only visitors to or from that arm.
func TestAssignArmMovesFewVisitors(t *testing.T) {
	before := testedPage()
	after := testedPage()
	after.Variants[0].Weight = 60
	moved := 0
	for i := range 5000 {
		a, b := before.AssignArm(visitor(i)), after.AssignArm(visitor(i))
		if a != b {
			moved++
			if b != "b" {
				t.Fatalf("visitor %d moved from %s to %s, not to the arm that grew", i, a, b)
			}
		}
	}
	if moved == 0 {
		t.Error("no visitor moved to the arm that grew")
	}
}

// Known values of the pooled two-proportion z-test (computed independently).
func TestTwoProportionTest(t *testing.T) {
	for _, tc := range []struct {
		x1, n1, x2, n2 int
		z, p           float64
	}{
		{200, 1000, 250, 1000, 2.677398, 0.007420},
		{10, 100, 12, 100, 0.451985, 0.651280},
		{120, 1000, 100, 1000, -1.429301, 0.152918},
	} {
		z, p, ok := leadgate.TwoProportionTest(tc.x1, tc.n1, tc.x2, tc.n2)
		if !ok || math.Abs(z-tc.z) > 1e-5 || math.Abs(p-tc.p) > 1e-5 {
			t.Errorf("%v: z %f p %f ok %v, want z %f p %f", tc, z, p, ok, tc.z, tc.p)
		}
	}
	if _, _, ok := leadgate.TwoProportionTest(0, 100, 0, 100); ok {
		t.Error("no conversions at all measured a difference")
	}
	if _, _, ok := leadgate.TwoProportionTest(1, 0, 1, 10); ok {
		t.Error("an arm without views measured a difference")
	}
}

func TestVariantReport(t *testing.T) {
	p := testedPage()
	rows := []leadgate.SourceDayCounts{
		{Day: "2026-03-02", Variant: "control", Views: 1000, Leads: 200, Downloads: 150},
		{Day: "2026-03-03", Variant: "b", Views: 600, Leads: 150},
		{Day: "2026-03-04", Variant: "b", Views: 400, Leads: 100, Confirmations: 3},
		{Day: "2026-03-02", Variant: "short-form", Views: 1000, Leads: 190},
		{Day: "2026-03-02", Views: 50, Leads: 5},                 // outside the test
		{Day: "2026-03-02", Variant: "gone", Views: 9, Leads: 9}, // an arm removed
	}
	counts := p.ArmTotals(rows)
	want := []leadgate.ArmCounts{
		{Arm: "control", Views: 1000, Leads: 200, Downloads: 150},
		{Arm: "b", Views: 1000, Leads: 250, Confirmations: 3},
		{Arm: "short-form", Views: 1000, Leads: 190},
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("ArmTotals = %v, want %v", counts, want)
	}
	rep := p.NewVariantReport(counts)
	if !rep.Enough || rep.Method != leadgate.SignificanceMethod {
		t.Fatalf("report %+v", rep)
	}
	b := rep.Arms[1]
	if !b.Significant || *b.PValue != 0.0074 || *b.Lift != 0.25 || b.Weight != 30 {
		t.Errorf("b: %+v", b)
	}
	if rep.Arms[0].PValue != nil || rep.Arms[2].Significant {
		t.Errorf("control or short-form: %+v %+v", rep.Arms[0], rep.Arms[2])
	}
	if !strings.HasPrefix(rep.Summary, "b: +25.0% vs control, p = 0.0074, significant") {
		t.Errorf("summary %q", rep.Summary)
	}

	counts[2].Leads = 9 // below the minimum of 10
	rep = p.NewVariantReport(counts)
	if rep.Enough || rep.Arms[1].PValue != nil || !strings.Contains(rep.Summary, "not enough data yet: every arm needs at least 100 views and 10 leads") {
		t.Errorf("not enough: %+v", rep)
	}
}

// An arm shows the page with its overrides; a variant's field list asks only
// those fields, in the page's order.
func TestWithArm(t *testing.T) {
	p := testedPage()
	b := p.WithArm("b")
	if b.Title != "Get the playbook free" || b.ButtonText != "Send it" || len(b.Fields) != 2 || b.Fields[0].Name != "email" || b.Fields[1].Name != "name" {
		t.Errorf("b: %+v", b)
	}
	s := p.WithArm("short-form")
	if s.Title != p.Title || s.CoverImageURL != "/cover.png" || s.Look.Layout != leadgate.LayoutSplit || len(s.Fields) != len(p.Fields) {
		t.Errorf("short-form: %+v", s)
	}
	for _, arm := range []string{"", "control", "nope"} {
		if got := p.WithArm(arm); got.Title != p.Title || len(got.Fields) != len(p.Fields) {
			t.Errorf("%q changed the page", arm)
		}
	}
}

func TestVariantsValidate(t *testing.T) {
	if err := testedPage().Validate(); err != nil {
		t.Fatalf("valid page: %v", err)
	}
	p := testedPage()
	p.ControlWeight = -1
	p.Variants = append(p.Variants,
		leadgate.Variant{ID: "control"},
		leadgate.Variant{ID: "b", Weight: 5000, Layout: "wide", Fields: []string{"name", "nope"}, CoverImageURL: "javascript:x"},
	)
	err := leadgate.AsError(p.Validate())
	got := map[string]bool{}
	for _, fe := range err.Fields {
		got[fe.Field] = true
	}
	for _, f := range []string{"control_weight", "variants", "variants.2.id", "variants.b.id", "variants.b.weight", "variants.b.layout", "variants.b.fields", "variants.b.cover_image_url"} {
		if !got[f] {
			t.Errorf("no error for %s in %v", f, err.Fields)
		}
	}
}

func TestPromoteKeepsHistory(t *testing.T) {
	p := testedPage()
	p.VariantsSince = storetest.T0
	end := storetest.T0.Add(72 * time.Hour)
	counts := []leadgate.ArmCounts{{Arm: "control", Views: 100, Leads: 10}, {Arm: "b", Views: 100, Leads: 20}}
	won, err := p.Promote("b", counts, end)
	if err != nil {
		t.Fatal(err)
	}
	if won.Title != "Get the playbook free" || won.ButtonText != "Send it" || len(won.Fields) != 2 || won.HasVariants() || !won.VariantsSince.IsZero() || won.ControlWeight != 0 {
		t.Errorf("promoted page %+v", won)
	}
	if err := won.Validate(); err != nil {
		t.Errorf("promoted page invalid: %v", err)
	}
	h := won.VariantHistory
	if len(h) != 1 || h[0].Winner != "b" || !h[0].Started.Equal(storetest.T0) || !h[0].Ended.Equal(end) || len(h[0].Arms) != 3 || h[0].Arms[1].Leads != 20 || h[0].Arms[2].Arm != "short-form" {
		t.Errorf("history %+v", h)
	}
	if _, err := p.Promote("nope", counts, end); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Errorf("unknown variant: %v", err)
	}
}
