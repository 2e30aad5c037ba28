package admin

import (
	"context"

	"leadgate/shared/leadgate"
)

// TrialSecret returns the key the signup app of trial magnet id checks its
// tokens with (signing.Key.TrialSecret), for its owner to configure the app.
// ENOTFOUND for no such magnet; EINVALID for another kind.
func (s *Service) TrialSecret(ctx context.Context, id string) (string, error) {
	m, err := s.store.Magnet(ctx, id)
	if err != nil {
		return "", err
	}
	if m.DeliveryKind() != leadgate.DeliveryTrial {
		return "", leadgate.Invalid(leadgate.FieldError{Field: "delivery", Code: "invalid", Message: "only a trial magnet signs tokens"})
	}
	return s.key.TrialSecret(id), nil
}
