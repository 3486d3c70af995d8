package e2e

import (
	"bytes"
	"testing"

	"github.com/logbackup/kubectl-logbackup/monitoring"
)

// The built binary prints exactly the bytes that test/monitoring checks
// with promtool, amtool and Prometheus (through the same functions).
func TestMonitoringOutputOfTheBinary(t *testing.T) {
	for _, profile := range monitoring.Profiles() {
		for _, format := range monitoring.Formats() {
			want, err := monitoring.Rules(profile, format)
			if err != nil {
				t.Fatal(err)
			}
			r := plugin(t, "monitoring", "rules", "--profile", profile, "--format", format)
			if r.code != 0 || !bytes.Equal([]byte(r.stdout), want) {
				t.Errorf("rules %s %s: exit %d, %d bytes, want %d bytes; stderr %s", profile, format, r.code, len(r.stdout), len(want), r.stderr)
			}
		}
	}
	for _, part := range monitoring.AlertmanagerParts() {
		want, err := monitoring.Alertmanager(part)
		if err != nil {
			t.Fatal(err)
		}
		if r := plugin(t, "monitoring", "alertmanager", "--file", part); r.code != 0 || r.stdout != string(want) {
			t.Errorf("alertmanager %s: exit %d, output differs", part, r.code)
		}
	}
	want, err := monitoring.Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	if r := plugin(t, "monitoring", "dashboards"); r.code != 0 || r.stdout != string(want) {
		t.Errorf("dashboards: exit %d, output differs", r.code)
	}
	r := plugin(t, "monitoring", "rules", "--profile", "huge")
	assertOneLineError(t, r.stderr, "must be one of dev, default, prod")
}
