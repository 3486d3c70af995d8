package text

import (
	"strings"
	"testing"
)

// A log read line by line hides what Redact hides in the whole text.
func TestCarryHidesAcrossLines(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEALEAK\nabcLEAK\n-----END RSA PRIVATE KEY-----\nafter",
			"-----BEGIN RSA PRIVATE KEY-----\nxxxxx\nxxxxx\n-----END RSA PRIVATE KEY-----\nafter"},
		{"-----BEGIN CERTIFICATE-----\nMIIBkeep\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIBkeep\n-----END CERTIFICATE-----"},
		{"password: |\n  LEAK\n  LEAK2\n\n  LEAK3\nuser: keep", "password: |\n  xxxxx\n  xxxxx\n\n  xxxxx\nuser: keep"},
		{"  auth:\n    password: >-\n      LEAK\n    user: keep", "  auth:\n    password: >-\n      xxxxx\n    user: keep"},
		{"args:\n- --password\n- LEAK\n- --user\n- keep", "args:\n- --password\n- xxxxx\n- --user\n- keep"},
		{"  - \"--crypter.key\"\n  - \"LEAK\"\n  - keep", "  - \"--crypter.key\"\n  - xxxxx\n  - keep"},
		{"note: |\n  keep", "note: |\n  keep"},
	} {
		var carry Carry
		var out []string
		for _, l := range strings.Split(c.in, "\n") {
			out = append(out, Redact(carry.Hide(l)))
		}
		if got := strings.Join(out, "\n"); got != c.want {
			t.Errorf("lines of %q = %q, want %q", c.in, got, c.want)
		}
		if got := Redact(c.in); strings.Contains(got, "LEAK") {
			t.Errorf("Redact(%q) = %q", c.in, got)
		}
	}
}
