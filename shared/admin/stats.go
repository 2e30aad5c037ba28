package admin

import (
	"context"

	"leadgate/shared/leadgate"
)

// SpendRequest is what was spent on one campaign; Amount is required (nil: not
// given, which 0 cannot say).
type SpendRequest struct {
	Amount   *float64 `json:"amount"`
	Currency string   `json:"currency"`
}

// SaveSpend stores what was spent on the utm_campaign campaign of page slug, in
// all, and returns the spend as stored: ENOTFOUND for an unknown page, EINVALID
// naming each bad field.
func (s *Service) SaveSpend(ctx context.Context, slug, campaign string, req SpendRequest) (leadgate.Spend, error) {
	if _, err := s.store.Page(ctx, slug); err != nil {
		return leadgate.Spend{}, err
	}
	if req.Amount == nil {
		return leadgate.Spend{}, leadgate.Invalid(leadgate.FieldError{Field: "amount", Code: "required", Message: "the amount spent on the campaign"})
	}
	sp := leadgate.Spend{Page: slug, Campaign: campaign, Amount: *req.Amount, Currency: req.Currency, UpdatedAt: s.stamp()}
	if err := sp.Validate(); err != nil {
		return leadgate.Spend{}, err
	}
	if err := s.store.PutSpend(ctx, sp); err != nil {
		return leadgate.Spend{}, err
	}
	return sp, nil
}
