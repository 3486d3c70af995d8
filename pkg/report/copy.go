package report

import "encoding/json"

// CopyJSON deep-copies a plain-data output type through a JSON round trip,
// which is exact for structs whose fields all marshal and unmarshal (ours
// do). It is what DeepCopyObject needs, without generated deep-copy code.
func CopyJSON[T any](in *T) *T {
	out := new(T)
	data, err := json.Marshal(in)
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	if err != nil {
		panic(err) // unreachable for the types this is used on; see above
	}
	return out
}
