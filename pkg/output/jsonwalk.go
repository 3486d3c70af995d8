package output

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// StringMapper rewrites one string value of a JSON document. key is the
// object key it stands under ("" for a list element or the top value);
// list is shared by the strings of one list and nil outside a list, since
// a list may be a log's lines, where a credential spans lines. Keys are
// never passed: they are the schema's own words.
type StringMapper func(key string, list *text.Carry, s string) string

// MapJSONStrings copies a JSON document, in its order, with every string
// value passed through f. Numbers keep their text.
func MapJSONStrings(data []byte, f StringMapper) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	if err := mapJSON(dec, &out, "", nil, f); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func mapJSON(dec *json.Decoder, w *bytes.Buffer, key string, list *text.Carry, f StringMapper) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		w.WriteByte(byte(v))
		var inner *text.Carry
		if v == '[' {
			inner = new(text.Carry)
		}
		for first := true; dec.More(); first = false {
			if !first {
				w.WriteByte(',')
			}
			k := ""
			if v == '{' {
				t, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ = t.(string)
				writeString(w, k)
				w.WriteByte(':')
			}
			if err := mapJSON(dec, w, k, inner, f); err != nil {
				return err
			}
		}
		end, err := dec.Token()
		if err != nil {
			return err
		}
		w.WriteByte(byte(end.(json.Delim)))
	case string:
		writeString(w, f(key, list, v))
	case json.Number:
		w.WriteString(string(v))
	case bool:
		w.WriteString(strconv.FormatBool(v))
	case nil:
		w.WriteString("null")
	}
	return nil
}

func writeString(w *bytes.Buffer, s string) {
	data, _ := json.Marshal(s) // a string always encodes
	w.Write(data)
}
