package backup

import (
	"encoding/json"
	"time"
)

// Duration is a time.Duration that marshals to JSON as "1h2m3s".
type Duration time.Duration

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads what MarshalJSON wrote.
func (d *Duration) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// String prints the Go duration.
func (d Duration) String() string { return time.Duration(d).String() }
