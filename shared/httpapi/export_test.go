package httpapi

import "leadgate/shared/leadgate"

// The two readings of a JSON body, for the test that they agree.
var (
	ParseJSON        = parseJSON
	ParseJSONMembers = parseJSONMembers
)

func (fv formValues) Values() map[string]string    { return fv.values }
func (fv formValues) Wrong() []leadgate.FieldError { return fv.wrong }
