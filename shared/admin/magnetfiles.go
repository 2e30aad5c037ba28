package admin

import (
	"context"
	"strconv"

	"leadgate/shared/leadgate"
)

// FinishedUpload is what a client says it uploaded through an UploadLink: the
// same file name, content type and size it asked the link for.
type FinishedUpload struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// FinishUpload records the file of magnet id once its upload is done: the object
// at the key the upload link named must be in the bucket with the stated size
// (the service did not see the upload, so it asks the bucket). The magnet then
// serves that file, under the uploaded file's name and type, with the bucket's
// size and time. ENOTFOUND for an unknown magnet; EINVALID on the "file" field
// when the bucket has no such object, or one of another size, and nothing changes.
func (s *Service) FinishUpload(ctx context.Context, id string, up FinishedUpload) (leadgate.Magnet, error) {
	m, err := s.store.Magnet(ctx, id)
	if err != nil {
		return leadgate.Magnet{}, err
	}
	if fields := checkUpload(up); len(fields) > 0 {
		return leadgate.Magnet{}, leadgate.Invalid(fields...)
	}
	key := leadgate.MagnetObjectKey(id, up.FileName)
	info, err := s.uploaded(ctx, key, up.Size)
	if err != nil {
		return leadgate.Magnet{}, err
	}
	m.ObjectKey, m.FileName, m.ContentType = key, up.FileName, up.ContentType
	m.Size, m.UploadedAt = info.Size, info.LastModified
	if err := m.Validate(); err != nil {
		return leadgate.Magnet{}, err
	}
	if err := s.store.PutMagnet(ctx, m); err != nil {
		return leadgate.Magnet{}, err
	}
	return m, nil
}

// checkUpload lists what is wrong with the description of an uploaded file.
func checkUpload(up FinishedUpload) []leadgate.FieldError {
	var fields []leadgate.FieldError
	if _, fe := leadgate.Attachment(up.FileName); fe != nil {
		fields = append(fields, *fe)
	}
	if fe := leadgate.CheckContentType(up.ContentType); fe != nil {
		fields = append(fields, *fe)
	}
	if fe := checkFileSize(up.Size); fe != nil {
		fields = append(fields, *fe)
	}
	return fields
}

// uploaded asks the bucket for the object at key, which an upload of size bytes
// should have put there: EINVALID on the "file" field when it is missing or of
// another size.
func (s *Service) uploaded(ctx context.Context, key string, size int64) (leadgate.ObjectInfo, error) {
	info, err := s.objects.Stat(ctx, key)
	switch {
	case leadgate.ErrorCode(err) == leadgate.ENOTFOUND:
		return info, leadgate.Invalid(leadgate.FieldError{Field: "file", Code: "missing",
			Message: "the file did not arrive in the bucket: upload it again"})
	case err != nil:
		return info, err
	case info.Size != size:
		return info, leadgate.Invalid(leadgate.FieldError{Field: "file", Code: "size_mismatch",
			Message: "the bucket holds " + strconv.FormatInt(info.Size, 10) + " bytes, not the " + strconv.FormatInt(size, 10) + " uploaded: upload it again"})
	}
	return info, nil
}

// checkFileSize refuses a magnet file size out of 1 to leadgate.MaxMagnetBytes.
func checkFileSize(size int64) *leadgate.FieldError {
	if size < 1 || size > leadgate.MaxMagnetBytes {
		return &leadgate.FieldError{Field: "size", Code: "invalid", Message: "a magnet file is 1 byte to " + leadgate.FormatBytes(leadgate.MaxMagnetBytes)}
	}
	return nil
}
