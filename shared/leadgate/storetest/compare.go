package storetest

import (
	"encoding/json"
	"fmt"
)

// equalJSON compares two values by their JSON form, which is the form users see and
// which ignores time zones and monotonic clock readings.
func equalJSON(got, want any) error {
	g, err := json.Marshal(got)
	if err != nil {
		return err
	}
	w, err := json.Marshal(want)
	if err != nil {
		return err
	}
	if string(g) != string(w) {
		return fmt.Errorf("\n got %s\nwant %s", g, w)
	}
	return nil
}
