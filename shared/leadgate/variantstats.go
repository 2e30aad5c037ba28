package leadgate

import (
	"fmt"
	"math"
	"time"
)

// Significance of a test: each challenger against the control with a two-sided
// two-proportion z-test of their conversions (leads per view), reported only once
// every arm has MinArmViews views and MinArmLeads leads; before that, a few
// visitors would swing it.
const (
	SignificanceMethod = "two-proportion z-test, two-sided"
	MinArmViews        = 100
	MinArmLeads        = 10
	// SignificanceLevel is the p-value below which a difference is called
	// significant.
	SignificanceLevel = 0.05
)

// TwoProportionTest compares x1 successes of n1 trials with x2 of n2: z is the
// pooled z statistic of p2 - p1 and p the two-sided p-value. ok is false when the
// test says nothing (an empty arm, or no variance: both all or nothing).
func TwoProportionTest(x1, n1, x2, n2 int) (z, p float64, ok bool) {
	if n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 {
		return 0, 1, false
	}
	x1, x2 = min(x1, n1), min(x2, n2)
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	pool := float64(x1+x2) / float64(n1+n2)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return 0, 1, false
	}
	z = (p2 - p1) / se
	return z, math.Erfc(math.Abs(z) / math.Sqrt2), true
}

// ArmResult is one arm of a running test with its conversion and, for a
// challenger once there is enough data, its comparison with the control.
type ArmResult struct {
	ArmCounts
	Control        bool     `json:"control"`
	Weight         int      `json:"weight"`
	ConversionRate *float64 `json:"conversion_rate"` // null without views
	// Lift is the relative change of conversion over the control's (0.1: 10%
	// better); Z and PValue the test's. Null for the control, and until every arm
	// has enough data.
	Lift        *float64 `json:"lift"`
	Z           *float64 `json:"z"`
	PValue      *float64 `json:"p_value"`
	Significant bool     `json:"significant"`
	// Verdict says it in words: the line the CLI and the console print.
	Verdict string `json:"verdict"`
}

// VariantReport is a running test's counts per arm, from its start to now.
type VariantReport struct {
	Since    time.Time   `json:"since"`
	Arms     []ArmResult `json:"arms"` // the control first
	Method   string      `json:"method"`
	MinViews int         `json:"min_views"`
	MinLeads int         `json:"min_leads"`
	// Enough says every arm has the minimum sample; Summary is the significance
	// line: not enough data yet (with the minimum), or the best challenger.
	Enough  bool   `json:"enough_data"`
	Summary string `json:"summary"`
}

// ArmTotals sums the per-source rows of a test's days into each of the page's
// arms, the control first; rows of no arm (visits outside the test) and of arms
// the page no longer has are left out.
func (p Page) ArmTotals(rows []SourceDayCounts) []ArmCounts {
	arms := p.Arms()
	out := make([]ArmCounts, len(arms))
	for i, a := range arms {
		out[i].Arm = a
	}
	for _, r := range rows {
		for i := range out {
			if r.Variant == out[i].Arm {
				out[i].Views += r.Views
				out[i].Leads += r.Leads
				out[i].Confirmations += r.Confirmations
				out[i].Downloads += r.Downloads
			}
		}
	}
	return out
}

// NewVariantReport compares each challenger's counts with the control's (counts
// as ArmTotals gives them, the control first).
func (p Page) NewVariantReport(counts []ArmCounts) VariantReport {
	rep := VariantReport{Since: p.VariantsSince, Arms: []ArmResult{}, Method: SignificanceMethod, MinViews: MinArmViews, MinLeads: MinArmLeads, Enough: len(counts) > 1}
	for _, c := range counts {
		r := ArmResult{ArmCounts: c, Control: c.Arm == ControlArm, Weight: p.ArmWeight(c.Arm)}
		if c.Views > 0 {
			r.ConversionRate = ptr(round4(c.Conversion()))
		}
		if c.Views < MinArmViews || c.Leads < MinArmLeads {
			rep.Enough = false
		}
		rep.Arms = append(rep.Arms, r)
	}
	if !rep.Enough {
		rep.Summary = fmt.Sprintf("not enough data yet: every arm needs at least %d views and %d leads (%s)", MinArmViews, MinArmLeads, SignificanceMethod)
		for i := range rep.Arms {
			if !rep.Arms[i].Control {
				rep.Arms[i].Verdict = "not enough data yet"
			}
		}
		return rep
	}
	control := rep.Arms[0].ArmCounts
	best := -1
	for i := 1; i < len(rep.Arms); i++ {
		a := &rep.Arms[i]
		z, pv, ok := TwoProportionTest(control.Leads, control.Views, a.Leads, a.Views)
		if !ok {
			a.Verdict = "no difference to measure"
			continue
		}
		lift := a.Conversion()/control.Conversion() - 1
		a.Lift, a.Z, a.PValue = ptr(round4(lift)), ptr(round4(z)), ptr(round4(pv))
		a.Significant = pv < SignificanceLevel
		word := "not significant"
		if a.Significant {
			word = "significant"
		}
		a.Verdict = fmt.Sprintf("%+.1f%% vs control, p = %.4f, %s", lift*100, pv, word)
		if best < 0 || pv < *rep.Arms[best].PValue {
			best = i
		}
	}
	switch {
	case best < 0:
		rep.Summary = "no difference to measure (" + SignificanceMethod + ")"
	default:
		b := rep.Arms[best]
		rep.Summary = fmt.Sprintf("%s: %s (%s, at p < %.2f)", b.Arm, b.Verdict, SignificanceMethod, SignificanceLevel)
	}
	return rep
}

func ptr(f float64) *float64 { return &f }

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }
