package output

import (
	"fmt"
	"io"
)

// PrintLine writes obj as one line of JSON (JSON Lines), for streams that
// print one object per change; redacted and escaped as Print does.
func PrintLine(w io.Writer, obj Kinded) error {
	if v, k := obj.OutputKind(); v == "" || k == "" {
		return fmt.Errorf("output of kind %q has no apiVersion", k) // a programming error
	}
	data, err := indentJSON(obj, "")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
