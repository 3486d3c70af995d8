package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// What the field diagnoses read, drawn only when the backup has it, so
// the views of other backups do not change.

// maxProgressShown bounds the progress steps drawn.
const maxProgressShown = 5

func fieldSummary(p *printer, b *backup.Backup) {
	if b.StatusAbsent {
		p.f("  Status:        none recorded\n")
	}
	if b.TimeSynced != nil {
		p.f("  Synced:        %s (%s ago, status.timeSynced)\n", stamp(*b.TimeSynced), p.ago(*b.TimeSynced))
	}
	progresses := b.Progresses
	if n := len(progresses); n > maxProgressShown {
		// The newest steps; a status may list thousands.
		p.f("  Progress:      (%d older steps not shown)\n", n-maxProgressShown)
		progresses = progresses[n-maxProgressShown:]
	}
	for _, pr := range progresses {
		when := "-"
		if pr.LastTransitionTime != nil {
			when = stamp(*pr.LastTransitionTime) + ", " + p.ago(*pr.LastTransitionTime) + " ago"
		}
		p.f("  Progress:      %s %s%% (%s)\n", pr.Step, strconv.FormatFloat(pr.Progress, 'f', -1, 64), when)
	}
	if b.DeletionTimestamp != nil {
		p.f("  Deleting:      since %s (%s ago)\n", stamp(*b.DeletionTimestamp), p.ago(*b.DeletionTimestamp))
	}
	if len(b.Finalizers) > 0 {
		p.f("  Finalizers:    %s\n", strings.Join(b.Finalizers, ", "))
	}
}

// storageSection shows the storage Secret's key names (never values) and
// the service account's cloud identity.
func storageSection(p *printer, s report.StorageSection) {
	if s.Provider == "" {
		return
	}
	p.heading(fmt.Sprintf("Storage credentials (spec.%s)", s.Provider))
	switch {
	case s.SecretName == "":
		p.f("  Secret:          none named\n")
	case s.SecretError != "":
		p.f("  Secret:          %s (not read: %s)\n", s.SecretName, s.SecretError)
	case s.SecretFound != nil && !*s.SecretFound:
		p.f("  Secret:          %s NOT FOUND\n", s.SecretName)
	default:
		p.f("  Secret:          %s, keys: %s\n", s.SecretName, text.Dash(strings.Join(s.Keys, ", ")))
		if len(s.Missing) > 0 {
			p.f("  Missing keys:    %s\n", strings.Join(s.Missing, ", "))
		}
	}
	sa := s.ServiceAccount
	switch {
	case s.ServiceAccountError != "":
		sa += " (not read: " + s.ServiceAccountError + ")"
	case s.ServiceAccountFound != nil && !*s.ServiceAccountFound:
		sa += " NOT FOUND"
	case len(s.Identity) > 0:
		sa += ", " + strings.Join(s.Identity, ", ")
	default:
		sa += ", no cloud identity annotation"
	}
	p.f("  Service account: %s\n", sa)
}

// clusterBackups lists the other log backups of the same TiDB cluster.
func clusterBackups(p *printer, s report.ClusterBackupsSection) {
	if s.Cluster == "" || len(s.Items) == 0 && s.Error == "" && s.Note == "" {
		return
	}
	p.heading("Other log backups of TiDB cluster " + s.Cluster)
	if s.Note != "" {
		p.f("  (%s)\n", s.Note)
	}
	if p.sectionError(s.Error) && len(s.Items) == 0 {
		return
	}
	if len(s.Items) == 0 {
		p.f("  none\n")
		return
	}
	rows := make([][]string, 0, len(s.Items))
	for _, o := range s.Items {
		deleting := ""
		if o.Deleting {
			deleting = "deleting"
		}
		rows = append(rows, []string{o.Namespace + "/" + o.Name, o.Group, text.Dash(o.LogSubcommand), text.Dash(o.Phase), deleting})
	}
	p.table("  ", []string{"Backup", "Group", "Subcommand", "Phase", ""}, rows)
}
