package bundle

import (
	"strings"
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// copyLines hides what the lines before make a credential (review 2).
func TestCopyLinesHidesCredentialsAcrossLines(t *testing.T) {
	in := "-----BEGIN RSA PRIVATE KEY-----\nMIIEhunter1\n-----END RSA PRIVATE KEY-----\n" +
		"password: |\n  hunter2\nargs:\n- --password\n- hunter3\n- --crypter.key\n- hunter4\nafter\n"
	var out strings.Builder
	if _, err := copyLines(&out, strings.NewReader(in), text.Redact); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Contains(got, "hunter") || !strings.HasSuffix(got, "- xxxxx\nafter\n") {
		t.Errorf("got %q", got)
	}
}
