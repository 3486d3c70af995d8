package report

import "encoding/json"

// CopyJSON deep-copies a plain-data output type through a JSON round trip:
// what DeepCopyObject needs, without generated deep-copy code. It copies
// only what marshals; a type with unexported state copies that itself
// (reset.Plan.DeepCopy).
func CopyJSON[T any](in *T) *T {
	out := new(T)
	data, err := json.Marshal(in)
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	if err != nil {
		panic(err) // the output types marshal by construction
	}
	return out
}
