package admin

import (
	"context"
	"time"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
)

// Pages returns every page, by slug.
func (s *Service) Pages(ctx context.Context) ([]leadgate.Page, error) { return s.store.Pages(ctx) }

// Page returns one page; ENOTFOUND for an unknown slug.
func (s *Service) Page(ctx context.Context, slug string) (leadgate.Page, error) {
	return s.store.Page(ctx, slug)
}

// SavePage creates or replaces the page slug and returns it as stored, and whether
// it was created. Everything wrong with it is answered at once, EINVALID with one
// error per field: the page's own checks, its email templates (rendered with sample
// data), its magnet, which must exist, and a slug other than slug. An existing page
// keeps its CreatedAt; UpdatedAt is now. Its Markdown texts are stored rendered
// too (RenderTexts), whatever HTML p carries.
func (s *Service) SavePage(ctx context.Context, slug string, p leadgate.Page) (leadgate.Page, bool, error) {
	if s.markdown == nil {
		return leadgate.Page{}, false, errNoMarkdown
	}
	if p.Slug == "" {
		p.Slug = slug
	}
	if err := s.checkPage(ctx, slug, p); err != nil {
		return leadgate.Page{}, false, err
	}
	var old leadgate.Page
	created, err := s.keepCreated(ctx, &p.CreatedAt, func(ctx context.Context) (time.Time, error) {
		var err error
		old, err = s.store.Page(ctx, slug)
		return old.CreatedAt, err
	})
	if err != nil {
		return leadgate.Page{}, false, err
	}
	if err := s.keepTests(ctx, &p, old); err != nil {
		return leadgate.Page{}, false, err
	}
	p = s.RenderTexts(p)
	p.UpdatedAt = s.stamp()
	if err := s.store.PutPage(ctx, p); err != nil {
		return leadgate.Page{}, false, err
	}
	return p, created, nil
}

// CheckPage answers what SavePage would refuse the page slug for, storing nothing:
// a form shows every problem at once, those it found itself with these.
func (s *Service) CheckPage(ctx context.Context, slug string, p leadgate.Page) error {
	if p.Slug == "" {
		p.Slug = slug
	}
	return s.checkPage(ctx, slug, p)
}

// checkPage is SavePage's checks: EINVALID with every problem, or another error
// when the store failed.
func (s *Service) checkPage(ctx context.Context, slug string, p leadgate.Page) error {
	var fields []leadgate.FieldError
	if p.Slug != slug {
		fields = append(fields, leadgate.FieldError{Field: "slug", Code: "mismatch", Message: "the slug in the body must be the one in the path, " + slug})
	}
	if err := p.Validate(); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if err := emails.CheckTemplates(p); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if len(p.FollowUp.Nurture) > 0 && s.postalAddress == "" && p.FollowUp.PostalAddress == "" {
		// Commercial email must carry the sender's postal address (CAN-SPAM).
		fields = append(fields, leadgate.FieldError{Field: "follow_up.nurture", Code: "no_postal_address",
			Message: "nurture emails need the sender's postal address in their footer: give the page one, or set the deployment's PostalAddress"})
	}
	if leadgate.ValidSlug(p.MagnetID) {
		_, err := s.store.Magnet(ctx, p.MagnetID)
		switch leadgate.ErrorCode(err) {
		case "":
		case leadgate.ENOTFOUND:
			fields = append(fields, leadgate.FieldError{Field: "magnet_id", Code: "not_found",
				Message: "no magnet " + p.MagnetID + ": create it first (PUT " + leadgate.AdminPath("magnets", p.MagnetID) + ")"})
		default:
			return err
		}
	}
	if len(fields) > 0 {
		return &leadgate.Error{Code: leadgate.EINVALID, Message: "the page is not valid", Fields: fields}
	}
	return nil
}

// Magnets returns every magnet, by id.
func (s *Service) Magnets(ctx context.Context) ([]leadgate.Magnet, error) {
	return s.store.Magnets(ctx)
}

// Magnet returns one magnet; ENOTFOUND for an unknown id.
func (s *Service) Magnet(ctx context.Context, id string) (leadgate.Magnet, error) {
	return s.store.Magnet(ctx, id)
}

// SaveMagnet creates or replaces the magnet id and returns it as stored, and
// whether it was created. Its file is the object at ObjectKey (the domain's
// checks keep it under leadgate.MagnetKeyPrefix); without one it is the key upload
// links give, so a client need not know the rule. The magnet may be saved before
// its file is uploaded. An existing magnet keeps its CreatedAt, and its file's
// confirmed Size and UploadedAt while its ObjectKey stays the same: a client never
// sets them (FinishUpload does).
func (s *Service) SaveMagnet(ctx context.Context, id string, m leadgate.Magnet) (leadgate.Magnet, bool, error) {
	if m.ID == "" {
		m.ID = id
	}
	if m.ObjectKey == "" && m.HasFile() {
		m.ObjectKey = leadgate.MagnetObjectKey(m.ID, m.FileName)
	}
	var fields []leadgate.FieldError
	if m.ID != id {
		fields = append(fields, leadgate.FieldError{Field: "id", Code: "mismatch", Message: "the id in the body must be the one in the path, " + id})
	}
	if err := m.Validate(); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if len(fields) > 0 {
		return leadgate.Magnet{}, false, &leadgate.Error{Code: leadgate.EINVALID, Message: "the magnet is not valid", Fields: fields}
	}
	old, err := s.store.Magnet(ctx, id)
	created := leadgate.ErrorCode(err) == leadgate.ENOTFOUND
	if err != nil && !created {
		return leadgate.Magnet{}, false, err
	}
	m.Size, m.UploadedAt, m.CreatedAt = 0, time.Time{}, s.stamp()
	if !created {
		m.CreatedAt = old.CreatedAt
		if old.ObjectKey == m.ObjectKey {
			m.Size, m.UploadedAt = old.Size, old.UploadedAt
		}
	}
	if err := s.store.PutMagnet(ctx, m); err != nil {
		return leadgate.Magnet{}, false, err
	}
	return m, created, nil
}

// keepCreated sets *createdAt to the stored item's creation time, or to now for a
// new item (created true). A client's own created_at is never taken.
func (s *Service) keepCreated(ctx context.Context, createdAt *time.Time, stored func(context.Context) (time.Time, error)) (created bool, err error) {
	old, err := stored(ctx)
	switch leadgate.ErrorCode(err) {
	case "":
		*createdAt = old
		return false, nil
	case leadgate.ENOTFOUND:
		*createdAt = s.stamp()
		return true, nil
	}
	return false, err
}

// UploadRequest names the file a marketer is about to upload.
type UploadRequest struct {
	ContentType string `json:"content_type"`
	// Size is the file's length in bytes, 1 to leadgate.MaxMagnetBytes: the link
	// takes a PUT of exactly that many.
	Size int64 `json:"size"`
	// FileName gives the object key its extension; optional.
	FileName string `json:"file_name,omitempty"`
}

// UploadLink lets a client upload a magnet's file without passing it through the
// API: PUT the file to URL with Content-Type ContentType and its Size bytes before
// ExpiresAt, then save the magnet with ObjectKey.
type UploadLink struct {
	URL         string    `json:"url"`
	Method      string    `json:"method"`
	ObjectKey   string    `json:"object_key"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// UploadLink returns a presigned PUT, valid leadgate.UploadTTL, for the file of
// magnet id. The magnet need not exist yet. A local bucket's URL is relative to the
// server; the caller makes it absolute.
func (s *Service) UploadLink(ctx context.Context, id string, req UploadRequest) (UploadLink, error) {
	var fields []leadgate.FieldError
	if !leadgate.ValidSlug(id) {
		fields = append(fields, leadgate.FieldError{Field: "id", Code: "invalid", Message: "use lower-case letters, digits and inner hyphens"})
	}
	if fe := leadgate.CheckContentType(req.ContentType); fe != nil {
		fields = append(fields, *fe)
	}
	if fe := checkFileSize(req.Size); fe != nil {
		fields = append(fields, *fe)
	}
	if len(fields) > 0 {
		return UploadLink{}, leadgate.Invalid(fields...)
	}
	key := leadgate.MagnetObjectKey(id, req.FileName)
	u, err := s.objects.UploadURL(ctx, key, req.ContentType, req.Size, leadgate.UploadTTL)
	if err != nil {
		return UploadLink{}, err
	}
	return UploadLink{URL: u, Method: "PUT", ObjectKey: key, ContentType: req.ContentType, Size: req.Size,
		ExpiresAt: s.now().UTC().Add(leadgate.UploadTTL).Truncate(time.Second)}, nil
}

// DeletePage deletes the page slug: its hosted page and capture route answer 404
// from then on. Its leads, submissions, download links and counters stay, and the
// slug is free again: a page saved later under it takes them up, as the same
// address would. ENOTFOUND for an unknown slug.
func (s *Service) DeletePage(ctx context.Context, slug string) error {
	if !leadgate.ValidSlug(slug) {
		return leadgate.ErrPageNotFound
	}
	return s.store.DeletePage(ctx, slug)
}

// DuplicatePage saves a copy of the page from under the slug to, with every
// setting but the slug, as a draft. to must name no page yet: EINVALID on the slug
// field otherwise, as for any slug a form could correct. The copy's form URL and thank-you URL are the
// original's, unchanged: a marketer who kept them on the hosted pages of from
// changes them in the copy before publishing it.
func (s *Service) DuplicatePage(ctx context.Context, from, to string) (leadgate.Page, error) {
	p, err := s.store.Page(ctx, from)
	if err != nil {
		return leadgate.Page{}, err
	}
	p.Slug, p.Draft = to, true
	return s.CreatePage(ctx, p)
}

// CreatePage saves a new page: as SavePage, but EINVALID on the slug field when a
// page has the slug already, so that a form for a new page never replaces one.
func (s *Service) CreatePage(ctx context.Context, p leadgate.Page) (leadgate.Page, error) {
	if leadgate.ValidSlug(p.Slug) {
		switch _, err := s.store.Page(ctx, p.Slug); leadgate.ErrorCode(err) {
		case leadgate.ENOTFOUND:
		case "":
			return leadgate.Page{}, leadgate.Invalid(leadgate.FieldError{Field: "slug", Code: "taken", Message: "a page " + p.Slug + " exists already: choose another address"})
		default:
			return leadgate.Page{}, err
		}
	}
	p.CreatedAt = time.Time{}
	p, _, err := s.SavePage(ctx, p.Slug, p)
	return p, err
}

// SetDraft makes the page slug a draft (true) or publishes it (false), and returns
// it as stored. Publishing checks the page as saving does, so a page stored before
// a rule existed is refused with its reasons rather than going live broken.
func (s *Service) SetDraft(ctx context.Context, slug string, draft bool) (leadgate.Page, error) {
	p, err := s.store.Page(ctx, slug)
	if err != nil {
		return leadgate.Page{}, err
	}
	if p.Draft == draft {
		return p, nil
	}
	p.Draft = draft
	p, _, err = s.SavePage(ctx, slug, p)
	return p, err
}
