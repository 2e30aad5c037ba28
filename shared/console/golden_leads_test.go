package console_test

import (
	"testing"

	"leadgate/shared/console"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
)

// leadsMarks are the marks of the leads area's renderers (TestGoldenCoversEveryRenderer).
var leadsMarks = map[string]string{
	"writeLeadsTable":   `<form class="filters" method="get" action="/console/leads" role="search">`,
	"writeFilterInput":  `<input id="f-search" name="search" type="search"`,
	"writeFilterSelect": `<select id="f-stage" name="stage"`,
	"writeFieldError":   `<p class="error" id="f-from-error">`,
	"writeLeadRows":     `<th scope="col">First source</th>`,
	"writeLeadDetail":   `<h2>Stage history</h2>`,
	"writeTouch":        `<tr><th scope="row">First touch</th>`,
	"writeCells":        `<td>Delivery (download link)</td>`,
	"writeEraseConfirm": `<button type="submit" class="primary danger">Erase this lead</button>`,
}

func TestGoldenLeadPages(t *testing.T) {
	s := newGoldenSite(t, true)
	leads := seedLeads(t, s.store, s.key, goldenNow)
	ada := leadgate.LeadRef(leads.ada)
	cases := []struct {
		name, target string
		status       int
	}{
		{"leads", console.LeadsPath, 200},
		{"leads-filtered-none", console.LeadsPath + "?search=nobody&stage=sql", 200},
		{"leads-invalid", console.LeadsPath + "?from=yesterday&consent=given", 422},
		{"lead", console.LeadPath(ada), 200},
		{"lead-erase", console.LeadErasePath(ada), 200},
		{"lead-not-found", console.LeadPath("nope"), 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name+".html", s.page(t, "GET", tc.target, nil, true, tc.status))
		})
	}
}

func TestGoldenEmptyLeadTable(t *testing.T) {
	s := newGoldenSite(t, true)
	golden.Check(t, "leads-empty.html", s.page(t, "GET", console.LeadsPath, nil, true, 200))
}
