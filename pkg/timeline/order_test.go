package timeline

import (
	"slices"
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// Review: the controller may write records in any order (an edited or
// restored status); the timeline is "one list in time order", grouped by
// cause. With the records reversed, the groups must still open in time
// order and each retry's group must hold what happened after its own
// detection, not the other retry's.
func TestReviewRecordsOutOfOrder(t *testing.T) {
	r := exhausted()
	recs := r.Backup.Backup.Records
	slices.Reverse(recs)
	tl := Build(r)
	var titles []string
	for i, g := range tl.Groups {
		titles = append(titles, g.Title)
		if i > 0 && g.From.Before(tl.Groups[i-1].From) {
			t.Errorf("group %q opens %s, before %q (%s)", g.Title, g.From, tl.Groups[i-1].Title, tl.Groups[i-1].From)
		}
	}
	for _, g := range tl.Groups {
		for _, e := range g.Entries {
			if !g.From.IsZero() && e.At.Before(g.From) {
				t.Errorf("group %q (from %s) holds %s %q at %s", g.Title, g.From, e.Source, e.What, e.At)
			}
		}
	}
	t.Logf("groups: %v", titles)
}

// A record that could not be read is named by its place, not "retry #0".
func TestUnreadableRecordIsNamedByItsPlace(t *testing.T) {
	r := exhausted()
	r.Backup.Backup.Records = append(r.Backup.Backup.Records, backup.RetryRecord{})
	tl := Build(r)
	last := tl.Groups[len(tl.Groups)-1].Title
	if last != "retry record "+itoa(len(r.Backup.Backup.Records))+" (could not be read: see the backup's invalid fields)" {
		t.Errorf("last group %q", last)
	}
}
