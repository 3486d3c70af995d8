package output

import (
	"bytes"
	"strings"
	"testing"
)

type testList struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Items      []testListItem `json:"items"`
	After      string         `json:"after"`
}

type testListItem struct {
	Name  string   `json:"name"`
	Notes []string `json:"notes"`
}

func (l *testList) OutputKind() (string, string) { return l.APIVersion, l.Kind }

// PrintJSONList writes the same bytes as Print, item by item.
func TestPrintJSONListIsPrint(t *testing.T) {
	for _, items := range [][]testListItem{
		nil,
		{{Name: "a"}},
		{{Name: "a\x1b[31m", Notes: []string{"x", `"items": []`}}, {Name: "https://u:secret@h/"}, {Name: "c"}},
	} {
		full := &testList{APIVersion: APIVersion, Kind: "L", Items: items, After: "z"}
		if full.Items == nil {
			full.Items = []testListItem{}
		}
		var want, got bytes.Buffer
		if err := Print(&want, JSON, full); err != nil {
			t.Fatal(err)
		}
		env := *full
		env.Items = []testListItem{}
		if err := PrintJSONList(&got, &env, len(items), func(i int) any { return items[i] }); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("item by item:\n%s\nPrint:\n%s", got.String(), want.String())
		}
		if strings.Contains(got.String(), "secret") {
			t.Errorf("not redacted:\n%s", got.String())
		}
	}
}
