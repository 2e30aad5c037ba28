package httpapi

import (
	"context"
	"net/http"

	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
)

// SpendStore is the part of the store the spend route writes to.
type SpendStore interface {
	PutSpend(ctx context.Context, s leadgate.Spend) error
}

// SpendBody is the body of PUT /v1/admin/pages/{slug}/spend/{campaign}.
type SpendBody struct {
	Amount   *float64 `json:"amount"`
	Currency string   `json:"currency"`
}

// putSpend stores what was spent on one utm_campaign of the page: 200 with the
// spend as stored; 422 naming each bad field; 404 for an unknown page.
func (a *AdminAPI) putSpend(w http.ResponseWriter, r *http.Request) {
	var body SpendBody
	if err := readAdminJSON(w, r, &body); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	slug := r.PathValue("slug")
	if _, err := a.store.Page(r.Context(), slug); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	sp := leadgate.Spend{Page: slug, Campaign: r.PathValue("campaign"), Currency: body.Currency, UpdatedAt: a.stamp()}
	if body.Amount == nil {
		writeError(w, r, a.log, leadgate.Invalid(leadgate.FieldError{Field: "amount", Code: "required", Message: "the amount spent on the campaign"}))
		return
	}
	sp.Amount = *body.Amount
	if err := sp.Validate(); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	if err := a.store.PutSpend(r.Context(), sp); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, sp)
}

// pageStats answers the page's funnel over the query's from and to (UTC days, both
// included; by default the 30 days that end today).
func (a *AdminAPI) pageStats(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to, err := leadgate.ParseDayRange(q.Get("from"), q.Get("to"), a.now())
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	rep, err := funnel.Build(r.Context(), a.store, r.PathValue("slug"), from, to)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
