package outbox

// SetAfterTempWrite makes every send call f once its temporary file is written and
// synced, before renaming it into place; nil stops it. Tests use it to crash, or
// pause, a send there.
func SetAfterTempWrite(f func()) { afterTempWrite = f }
