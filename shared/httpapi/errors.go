package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"leadgate/shared/leadgate"
)

// StatusOf maps a domain error code to its HTTP status: the one place this is decided.
func StatusOf(code leadgate.Code) int {
	switch code {
	case "":
		return http.StatusOK
	case leadgate.EINVALID:
		return http.StatusUnprocessableEntity
	case leadgate.EMALFORMED:
		return http.StatusBadRequest
	case leadgate.ENOTFOUND:
		return http.StatusNotFound
	case leadgate.EGONE:
		return http.StatusGone
	case leadgate.ECONFLICT:
		return http.StatusConflict
	case leadgate.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case leadgate.EFORBIDDEN:
		return http.StatusForbidden
	case leadgate.ERATELIMITED:
		return http.StatusTooManyRequests
	case leadgate.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case leadgate.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case leadgate.EMETHOD:
		return http.StatusMethodNotAllowed
	case leadgate.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

type errorBody struct {
	Error struct {
		Code    leadgate.Code         `json:"code"`
		Message string                `json:"message"`
		Fields  []leadgate.FieldError `json:"fields,omitempty"`
	} `json:"error"`
}

// logError logs what the caller cannot fix; answers to bad input are not logged, so
// nothing a visitor typed reaches the logs.
func LogError(log *slog.Logger, r *http.Request, err error) {
	de := leadgate.AsError(err)
	if de.Code == leadgate.EINTERNAL || de.Code == leadgate.EUNAVAILABLE {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", r.Pattern, "code", de.Code, "error", err)
	}
}

// writeError answers err as JSON.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	LogError(log, r, err)
	de := leadgate.AsError(err)
	setRetryAfter(w, de)
	var body errorBody
	body.Error.Code = de.Code
	body.Error.Message = leadgate.ErrorMessage(err)
	body.Error.Fields = de.Fields
	WriteJSON(w, StatusOf(de.Code), body)
}

func setRetryAfter(w http.ResponseWriter, de *leadgate.Error) {
	if de.Code == leadgate.ERATELIMITED && de.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(de.RetryAfter.Seconds())))
	}
}

func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
