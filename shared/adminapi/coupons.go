package adminapi

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
)

// addCoupons adds the codes of a text/csv body to the pool of the path's coupon
// magnet: one code per line, in the first column.
func (a *API) addCoupons(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "text/csv" && mt != "text/plain") {
		httpapi.WriteError(w, r, a.log, leadgate.Errorf(leadgate.EUNSUPPORTED, "send text/csv"))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		httpapi.WriteError(w, r, a.log, errAdminTooLarge)
		return
	case err != nil:
		httpapi.WriteError(w, r, a.log, leadgate.Errorf(leadgate.EMALFORMED, "the request body could not be read"))
		return
	}
	up, err := a.svc.AddCoupons(r.Context(), r.PathValue("id"), string(data))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "coupons added", "magnet", r.PathValue("id"), "added", up.Added, "left", up.Left)
	httpapi.WriteJSON(w, http.StatusOK, up)
}

// couponStock answers the pool's counts.
func (a *API) couponStock(w http.ResponseWriter, r *http.Request) {
	st, err := a.svc.CouponStock(r.Context(), r.PathValue("id"))
	if err != nil {
		httpapi.WriteError(w, r, a.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, struct {
		leadgate.CouponStock
		Left int `json:"left"`
	}{st, st.Left()})
}
