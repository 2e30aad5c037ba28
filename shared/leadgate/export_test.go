package leadgate

// The name checks, for their test against the patterns they stand for.
var (
	ValidFieldName = validFieldName
	ValidStepID    = validStepID
	PlainExtension = plainExtension
	PublicHost     = publicHost
)
