package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// itemsField is where a list kind's items go, as marshalJSON writes an
// empty list at the top level of a kind.
const itemsField = "\n    \"items\": []"

// PrintJSONList writes a list kind as Print does with -o json, but its
// items one at a time: env is the kind with an empty items list, item(i)
// the i-th item. The document is the same bytes as Print's, and a list of
// thousands is never held whole in memory (nor its three encoded copies).
func PrintJSONList(w io.Writer, env Kinded, n int, item func(i int) any) error {
	head, err := marshalJSON(env)
	if err != nil {
		return err
	}
	at := bytes.Index(head, []byte(itemsField))
	if at < 0 {
		return fmt.Errorf("output of kind %T has no empty items list", env) // a programming error
	}
	bw := bufio.NewWriter(w)
	bw.Write(head[:at+len(itemsField)-1]) // up to and including "["
	for i := range n {
		data, err := indentJSON(item(i), "    ")
		if err != nil {
			return err
		}
		var nested bytes.Buffer
		// The item sits two levels deep: its lines get 8 spaces more.
		if err := json.Indent(&nested, data, "        ", "    "); err != nil {
			return err
		}
		sep := ",\n        "
		if i == 0 {
			sep = "\n        "
		}
		bw.WriteString(sep)
		bw.Write(nested.Bytes())
	}
	if n > 0 {
		bw.WriteString("\n    ")
	}
	bw.Write(head[at+len(itemsField)-1:])
	return bw.Flush()
}
