package stream

import (
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

func TestLineMatcher(t *testing.T) {
	m := NewLineMatcher(backup.Ref{Namespace: "tidb", Name: "nightly"})
	cases := map[string]bool{
		"I0320 16:48:14.517923 299 backup_status_updater.go:129] Backup: [tidb/nightly] updated successfully": true,
		"backup tidb/nightly failed":           true,
		"tidb/nightly":                         true,
		"ends with tidb/nightly.":              true,
		`"tidb/nightly"`:                       true,
		"[tidb/nightly-other] updated":         false,
		"tidb/nightly.v2 updated":              false,
		"xtidb/nightly updated":                false,
		"prod/tidb/nightly updated":            false,
		"tidb/nightly2 updated":                false,
		"tidb/nightly-other then tidb/nightly": true,
		`INFO	backup	reconcile	{"namespace": "tidb", "backup": "nightly"}`:       true,
		`INFO	backup	reconcile	{"namespace":"tidb","backup":"nightly"}`:          true,
		`INFO	backup	reconcile	{"namespace": "tidb", "backup": "nightly-other"}`: false,
		`INFO	backup	reconcile	{"namespace": "tidb-v2", "backup": "nightly"}`:    false,
		`INFO	backup	reconcile	{"backup": "nightly"}`:                            false,
	}
	for line, want := range cases {
		if got := m.Match([]byte(line)); got != want {
			t.Errorf("match(%q) = %v, want %v", line, got, want)
		}
	}
}
