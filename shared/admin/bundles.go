package admin

import (
	"context"
	"strconv"
	"time"

	"leadgate/shared/leadgate"
)

// A bundle is assembled one upload at a time: each file goes from the client
// straight to the bucket (BundleUploadLink), then FinishBundleUpload adds it to the
// bundle once the bucket holds it; ArrangeBundle labels, orders and removes them.

// bundleMagnet returns magnet id if it is a bundle; EINVALID otherwise.
func (s *Service) bundleMagnet(ctx context.Context, id string) (leadgate.Magnet, error) {
	m, err := s.store.Magnet(ctx, id)
	if err != nil {
		return m, err
	}
	if m.DeliveryKind() != leadgate.DeliveryBundle {
		return m, leadgate.Invalid(leadgate.FieldError{Field: "delivery", Code: "invalid", Message: "only a bundle magnet lists files"})
	}
	return m, nil
}

// errBundleFull refuses an eleventh file.
var errBundleFull = leadgate.FieldError{Field: "file", Code: "too_many",
	Message: "a bundle holds at most " + strconv.Itoa(leadgate.MaxBundleFiles) + " files: remove one first"}

// BundleUploadLink returns a presigned PUT, valid leadgate.UploadTTL, for a file of
// bundle magnet id, at leadgate.BundleFileKey: a file of the same name as one the
// bundle lists replaces it. ENOTFOUND for no such magnet; EINVALID for another
// kind, a full bundle, or a file out of bounds.
func (s *Service) BundleUploadLink(ctx context.Context, id string, req UploadRequest) (UploadLink, error) {
	m, err := s.bundleMagnet(ctx, id)
	if err != nil {
		return UploadLink{}, err
	}
	fields := checkUpload(FinishedUpload{FileName: req.FileName, ContentType: req.ContentType, Size: req.Size})
	key := leadgate.BundleFileKey(id, req.FileName)
	if bundleIndex(m, key) < 0 && len(m.Bundle) >= leadgate.MaxBundleFiles {
		fields = append(fields, errBundleFull)
	}
	if len(fields) > 0 {
		return UploadLink{}, leadgate.Invalid(fields...)
	}
	u, err := s.objects.UploadURL(ctx, key, req.ContentType, req.Size, leadgate.UploadTTL)
	if err != nil {
		return UploadLink{}, err
	}
	return UploadLink{URL: u, Method: "PUT", ObjectKey: key, ContentType: req.ContentType, Size: req.Size,
		ExpiresAt: s.now().UTC().Add(leadgate.UploadTTL).Truncate(time.Second)}, nil
}

// FinishBundleUpload adds the uploaded file to bundle magnet id, last, once the
// bucket holds it with the stated size; a file of a name the bundle lists replaces
// that one in its place, keeping its label. ENOTFOUND for no such magnet; EINVALID
// for another kind, a full bundle, or a file the bucket does not hold as stated,
// and nothing changes.
func (s *Service) FinishBundleUpload(ctx context.Context, id string, up FinishedUpload) (leadgate.Magnet, error) {
	m, err := s.bundleMagnet(ctx, id)
	if err != nil {
		return leadgate.Magnet{}, err
	}
	if fields := checkUpload(up); len(fields) > 0 {
		return leadgate.Magnet{}, leadgate.Invalid(fields...)
	}
	key := leadgate.BundleFileKey(id, up.FileName)
	info, err := s.uploaded(ctx, key, up.Size)
	if err != nil {
		return leadgate.Magnet{}, err
	}
	f := leadgate.MagnetFile{ObjectKey: key, FileName: up.FileName, ContentType: up.ContentType, Size: info.Size}
	files := append([]leadgate.MagnetFile(nil), m.Bundle...)
	if i := bundleIndex(m, key); i >= 0 {
		f.Label, files[i] = files[i].Label, f
	} else if len(files) >= leadgate.MaxBundleFiles {
		return leadgate.Magnet{}, leadgate.Invalid(errBundleFull)
	} else {
		files = append(files, f)
	}
	m.Bundle = files
	return m, s.putValid(ctx, m)
}

// ArrangeBundle sets the files of bundle magnet id from its current ones: order
// lists their indexes (from 0) in the new order, leaving out those removed, and
// labels holds the label of each current file, by index. EINVALID, naming the
// file's field bundle.<index>, for a bad label; for an order that repeats or
// names no file; and nothing changes. A removed file's object stays in the bucket,
// where grants made before still reach it.
func (s *Service) ArrangeBundle(ctx context.Context, id string, labels []string, order []int) (leadgate.Magnet, error) {
	m, err := s.bundleMagnet(ctx, id)
	if err != nil {
		return leadgate.Magnet{}, err
	}
	if len(labels) != len(m.Bundle) {
		return leadgate.Magnet{}, leadgate.Invalid(leadgate.FieldError{Field: "bundle", Code: "stale",
			Message: "the bundle changed since the form was shown: reload the page"})
	}
	seen := make([]bool, len(m.Bundle))
	var fields []leadgate.FieldError
	for i, label := range labels {
		if fe := leadgate.CheckText("bundle."+strconv.Itoa(i), label, leadgate.MaxBundleLabel, false); fe != nil {
			fe.Message = "label: " + fe.Message
			fields = append(fields, *fe)
		}
	}
	files := make([]leadgate.MagnetFile, 0, len(order))
	for _, i := range order {
		if i < 0 || i >= len(m.Bundle) || seen[i] {
			fields = append(fields, leadgate.FieldError{Field: "bundle", Code: "invalid", Message: "the new order names a file twice or one the bundle lacks"})
			break
		}
		seen[i] = true
		f := m.Bundle[i]
		f.Label = labels[i]
		files = append(files, f)
	}
	if len(fields) > 0 {
		return leadgate.Magnet{}, leadgate.Invalid(fields...)
	}
	m.Bundle = files
	return m, s.putValid(ctx, m)
}

// bundleIndex is the index of the file at key in m's bundle, or -1.
func bundleIndex(m leadgate.Magnet, key string) int {
	for i, f := range m.Bundle {
		if f.ObjectKey == key {
			return i
		}
	}
	return -1
}

// putValid stores m once it is valid.
func (s *Service) putValid(ctx context.Context, m leadgate.Magnet) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return s.store.PutMagnet(ctx, m)
}
