package bolt

import (
	"slices"
	"strconv"
	"time"

	"leadgate/shared/leadgate"
)

// A capture encodes its lead and submission once each, for the change feed and the
// leads bucket, so by hand: encoding/json's reflection took a tenth of the store's
// part of a capture. The bytes are json.Marshal's, member for member
// (TestRecordJSONIsMarshals fills every field, so a field added to the types and
// not here fails it); anything else a record holds is stored and read with
// encoding/json as before.

// marshalLead returns json.Marshal(l).
func marshalLead(l leadgate.Lead) ([]byte, error) {
	buf := make([]byte, 0, 1024)
	buf = append(buf, `{"id":`...)
	buf = appendString(buf, l.ID)
	buf = appendString(append(buf, `,"email":`...), l.Email)
	buf = appendString(append(buf, `,"email_as_typed":`...), l.EmailAsTyped)
	buf = appendOmitEmpty(buf, `,"name":`, l.Name)
	buf = appendOmitEmpty(buf, `,"company":`, l.Company)
	buf = appendOmitEmpty(buf, `,"job_title":`, l.JobTitle)
	buf = appendOmitEmpty(buf, `,"phone":`, l.Phone)
	if len(l.Custom) > 0 {
		buf = appendStringMap(append(buf, `,"custom":`...), l.Custom)
	}
	buf = appendString(append(buf, `,"status":`...), string(l.Status))
	buf, err := appendConsent(append(buf, `,"consent":`...), l.Consent)
	if err != nil {
		return nil, err
	}
	if buf, err = appendAttribution(append(buf, `,"first_touch":`...), l.FirstTouch); err != nil {
		return nil, err
	}
	if buf, err = appendAttribution(append(buf, `,"last_touch":`...), l.LastTouch); err != nil {
		return nil, err
	}
	buf = strconv.AppendInt(append(buf, `,"submissions":`...), int64(l.Submissions), 10)
	if len(l.Pages) > 0 {
		buf = append(buf, `,"pages":[`...)
		for i, p := range l.Pages {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, p)
		}
		buf = append(buf, ']')
	}
	for _, t := range [...]struct {
		member string
		at     time.Time
	}{{`,"confirmed_at":`, l.ConfirmedAt}, {`,"suppressed_at":`, l.SuppressedAt}} {
		if !t.at.IsZero() {
			if buf, err = appendTime(append(buf, t.member...), t.at); err != nil {
				return nil, err
			}
		}
	}
	if l.SoftBounces != 0 {
		buf = strconv.AppendInt(append(buf, `,"soft_bounces":`...), int64(l.SoftBounces), 10)
	}
	if !l.FirstDownloadAt.IsZero() {
		if buf, err = appendTime(append(buf, `,"first_download_at":`...), l.FirstDownloadAt); err != nil {
			return nil, err
		}
	}
	if l.Score != 0 {
		buf = strconv.AppendInt(append(buf, `,"score":`...), int64(l.Score), 10)
	}
	buf = appendOmitEmpty(buf, `,"stage":`, string(l.Stage))
	if len(l.StageHistory) > 0 {
		buf = append(buf, `,"stage_history":[`...)
		for i, c := range l.StageHistory {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(append(buf, `{"from":`...), string(c.From))
			buf = appendString(append(buf, `,"to":`...), string(c.To))
			if buf, err = appendTime(append(buf, `,"at":`...), c.At); err != nil {
				return nil, err
			}
			buf = append(strconv.AppendInt(append(buf, `,"score":`...), int64(c.Score), 10), '}')
		}
		buf = append(buf, ']')
	}
	if buf, err = appendTime(append(buf, `,"created_at":`...), l.CreatedAt); err != nil {
		return nil, err
	}
	if buf, err = appendTime(append(buf, `,"updated_at":`...), l.UpdatedAt); err != nil {
		return nil, err
	}
	buf = strconv.AppendInt(append(buf, `,"version":`...), l.Version, 10)
	return append(buf, '}'), nil
}

// marshalSubmission returns json.Marshal(s).
func marshalSubmission(s leadgate.Submission) ([]byte, error) {
	buf := make([]byte, 0, 768)
	buf = appendString(append(buf, `{"id":`...), s.ID)
	buf = appendString(append(buf, `,"lead_id":`...), s.LeadID)
	buf = appendString(append(buf, `,"email":`...), s.Email)
	buf = appendString(append(buf, `,"page":`...), s.Page)
	buf = appendString(append(buf, `,"magnet_id":`...), s.MagnetID)
	buf, err := appendTime(append(buf, `,"at":`...), s.At)
	if err != nil {
		return nil, err
	}
	buf = append(buf, `,"values":`...)
	if s.Values == nil {
		buf = append(buf, "null"...)
	} else {
		buf = appendStringMap(buf, s.Values)
	}
	if buf, err = appendAttribution(append(buf, `,"attribution":`...), s.Attribution); err != nil {
		return nil, err
	}
	if buf, err = appendConsent(append(buf, `,"consent":`...), s.Consent); err != nil {
		return nil, err
	}
	buf = appendOmitEmpty(buf, `,"variant":`, s.Variant)
	buf = appendOmitEmpty(buf, `,"new_lead_stage":`, string(s.NewLeadStage))
	return append(buf, '}'), nil
}

func appendConsent(buf []byte, c leadgate.Consent) ([]byte, error) {
	buf = strconv.AppendBool(append(buf, `{"given":`...), c.Given)
	buf = appendOmitEmpty(buf, `,"text_version":`, c.TextVersion)
	buf = appendOmitEmpty(buf, `,"page":`, c.Page)
	buf, err := appendTime(append(buf, `,"at":`...), c.At)
	if err != nil {
		return nil, err
	}
	buf = appendOmitEmpty(buf, `,"ip":`, c.IP)
	buf = appendOmitEmpty(buf, `,"user_agent":`, c.UserAgent)
	return append(buf, '}'), nil
}

func appendAttribution(buf []byte, a leadgate.Attribution) ([]byte, error) {
	// encoding/json writes "{" then each member with a comma before all but the
	// first: page may be left out, at never is.
	buf = append(buf, '{')
	if a.Page != "" {
		buf = append(appendString(append(buf, `"page":`...), a.Page), ',')
	}
	buf, err := appendTime(append(buf, `"at":`...), a.At)
	if err != nil {
		return nil, err
	}
	for _, m := range [...]struct{ member, value string }{
		{`,"utm_source":`, a.UTMSource}, {`,"utm_medium":`, a.UTMMedium}, {`,"utm_campaign":`, a.UTMCampaign},
		{`,"utm_term":`, a.UTMTerm}, {`,"utm_content":`, a.UTMContent}, {`,"gclid":`, a.GCLID},
		{`,"fbclid":`, a.FBCLID}, {`,"referrer":`, a.Referrer}, {`,"landing_url":`, a.LandingURL},
	} {
		buf = appendOmitEmpty(buf, m.member, m.value)
	}
	return append(buf, '}'), nil
}

// appendOmitEmpty appends member and s, unless s is empty.
func appendOmitEmpty(buf []byte, member, s string) []byte {
	if s == "" {
		return buf
	}
	return appendString(append(buf, member...), s)
}

// appendStringMap appends m as encoding/json does: its keys sorted.
func appendStringMap(buf []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(append(appendString(buf, k), ':'), m[k])
	}
	return append(buf, '}')
}

// appendTime appends t as time.Time's MarshalJSON does, with its error for a year
// outside 0-9999.
func appendTime(buf []byte, t time.Time) ([]byte, error) {
	buf = append(buf, '"')
	buf, err := t.AppendText(buf)
	if err != nil {
		return nil, err
	}
	return append(buf, '"'), nil
}
