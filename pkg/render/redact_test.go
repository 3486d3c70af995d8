package render

import (
	"bytes"
	"strings"
	"testing"
)

// A flag and its value with a blank between them, as BR's wrapper and
// the controller log a command, is hidden on the terminal as in the
// bundle (issue 13's review).
func TestInvestigationHidesFlagValues(t *testing.T) {
	r := sample()
	r.PodLog.Lines = []string{`[ERROR] [backup.go:9] ["run br failed"] [cmd="br backup full --password SEKRIT-log-flag"]`,
		"[ERROR] azure: DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=SEKRIT-connstr"}
	r.Controller.Lines = []string{"E0101 backup_manager.go:1] failed: exec br --s3.secret-access-key SEKRIT-controller --port 4000"}
	r.Diagnosis[0].Summary = "br failed: br backup --azblob.account-key=SEKRIT-diag"
	var buf bytes.Buffer
	if err := Investigation(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "SEKRIT") {
		t.Errorf("a credential is drawn:\n%s", out)
	}
	for _, keep := range []string{"--password xxxxx", "--s3.secret-access-key xxxxx --port 4000", "AccountName=acme;AccountKey=xxxxx"} {
		if !strings.Contains(out, keep) {
			t.Errorf("%q not drawn:\n%s", keep, out)
		}
	}
}
