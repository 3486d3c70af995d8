package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Investigation renders investigate's report for a person: the backup,
// the diagnosis, then one section per source.
func Investigation(w io.Writer, r *report.Report, o Options) error {
	p := newPrinter(w, o, r.GeneratedAt)
	if r.Interrupted {
		p.f("%s\n\n", p.paint(red, "INTERRUPTED: this report is partial; a section that was not read says so."))
	}
	b := r.Backup.Backup
	if b == nil {
		p.f("Backup %s\n", r.Target)
		p.sectionError(r.Backup.Error)
		return p.err
	}
	backupSummary(p, r)
	diagnosis(p, r.Diagnosis)
	// The timeline follows the verdict: the diagnosis says what is wrong,
	// the timeline how it came to be, and the sections below are the
	// evidence both were read from.
	if r.Timeline != nil {
		timelineSection(p, r.Timeline)
	}
	invalidFields(p, b)
	retryHistory(p, b)
	conditions(p, b)
	metrics(p, r.Metrics)
	events(p, r.Events)
	workload(p, r.Workload)
	podLog(p, r.PodLog)
	controller(p, r.Controller)
	storageSection(p, r.Storage)
	clusterBackups(p, r.ClusterBackups)
	return p.err
}

func backupSummary(p *printer, r *report.Report) {
	b, s := r.Backup.Backup, r.Backup.Retry
	p.f("%s %s\n", p.paint(bold, "Backup"), headline(r.Target, b.GroupVersion(), r.Backup.StatusSubresource))
	p.f("  Mode:          %s\n", modeText(b.Mode, b.LogSubcommand))
	p.f("  Phase:         %s\n", phaseText(b.Phase, *s))
	p.f("  Age:           %s (created %s)\n", p.ago(b.Created), stamp(b.Created))
	p.f("  Retry policy:  %s\n", policyText(b))
	p.f("  Retries used:  %s\n", retriesUsed(*s))
	if s.Pending != nil && s.Pending.ExpectedRetryAt != nil {
		due := *s.Pending.ExpectedRetryAt
		when := "in " + duration.HumanDuration(due.Sub(p.now))
		if s.PendingOverdue {
			when = "overdue by " + duration.HumanDuration(p.now.Sub(due))
		}
		p.f("  Pending retry: #%d due %s (%s)\n", s.Pending.RetryNum, stamp(due), when)
	}
	if s.Deadline != nil {
		left := "closes in " + duration.HumanDuration(s.Deadline.Sub(p.now))
		if p.now.After(*s.Deadline) {
			left = "closed " + p.ago(*s.Deadline) + " ago"
		}
		p.f("  Retry window:  first failure %s, deadline %s (%s)\n", stamp(*s.FirstDetected), stamp(*s.Deadline), left)
	}
	if cp := r.Backup.Checkpoint; cp != nil {
		lag := "lag " + duration.HumanDuration(time.Duration(cp.Lag))
		if cp.Time.After(p.now) {
			lag = "ahead of this machine's clock"
		}
		p.f("  Checkpoint:    %s (TSO %s), %s\n", stamp(cp.Time), cp.TSO, lag)
	} else if b.IsLog() {
		p.f("  Checkpoint:    none reported yet\n")
	}
	fieldSummary(p, b)
}

// headline names a backup the way every command's output starts:
// "tidb/nightly (pingcap.com/v1alpha1, no status subresource)".
func headline(ref backup.Ref, groupVersion string, statusSubresource bool) string {
	status := "no status subresource"
	if statusSubresource {
		status = "status subresource"
	}
	return fmt.Sprintf("%s (%s, %s)", ref, groupVersion, status)
}

// modeText is "snapshot", or "log, log-start" for a log backup.
func modeText(mode, logSubcommand string) string {
	if logSubcommand != "" {
		return mode + ", " + logSubcommand
	}
	return mode
}

// policyText is "maxRetryTimes 2 (default), minRetryDuration 5m0s, ...";
// a field that could not be read says so, with the value assumed.
func policyText(b *backup.Backup) string {
	field := func(name, value string, isDefault bool) string {
		switch {
		case b.InvalidField("spec.backoffRetryPolicy."+name) != nil || b.InvalidField("spec.backoffRetryPolicy") != nil:
			return fmt.Sprintf("%s INVALID (%s assumed)", name, value)
		case isDefault:
			return fmt.Sprintf("%s %s (default)", name, value)
		}
		return name + " " + value
	}
	pol := b.Policy
	return strings.Join([]string{
		field("maxRetryTimes", strconv.Itoa(pol.MaxRetryTimes), pol.MaxRetryTimesDefault),
		field("minRetryDuration", pol.MinRetryDuration.String(), pol.MinRetryDurationDefault),
		field("retryTimeout", pol.RetryTimeout.String(), pol.RetryTimeoutDefault),
	}, ", ")
}

// phaseText is the phase with the reason and message of a failure.
func phaseText(phase string, s backup.RetryState) string {
	out := text.Dash(phase)
	if s.FailedReason != "" {
		out += fmt.Sprintf(" (%s: %s)", s.FailedReason, text.OneLine(s.FailedMessage))
	}
	return out
}

// retriesUsed is "3 of 2 allowed, exhausted by count".
func retriesUsed(s backup.RetryState) string {
	used := fmt.Sprintf("%d of %d allowed", s.Used, s.Allowed)
	switch {
	case s.ExhaustedBy != "":
		used += ", exhausted by " + s.ExhaustedBy
	case s.AtLimit && s.Used > 0:
		used += ", at the limit"
	}
	return used
}

func diagnosis(p *printer, fs []report.Finding) {
	p.heading("Diagnosis")
	for _, f := range fs {
		label := strings.ToUpper(string(f.Severity))
		p.f("  %s %s\n", p.paint(severityColor(f.Severity), fmt.Sprintf("%-8s", label)), f.Summary)
		if f.Next != "" {
			p.f("  %-8s -> %s\n", "", f.Next)
		}
	}
}

// invalidFields lists what the decoder could not read: the rest of the
// report is still shown, and these say why some values are missing.
func invalidFields(p *printer, b *backup.Backup) {
	if len(b.Invalid) == 0 {
		return
	}
	p.heading(fmt.Sprintf("Fields that could not be read (%s; shown as missing or assumed)", text.Plural(len(b.Invalid), "field")))
	rows := make([][]string, 0, len(b.Invalid))
	for _, e := range b.Invalid {
		rows = append(rows, []string{e.Field, e.Value, e.Expected})
	}
	p.table("  ", []string{"Field", "Holds", "Expected"}, rows)
}

func retryHistory(p *printer, b *backup.Backup) {
	p.heading(fmt.Sprintf("Retry history (status.backoffRetryStatus, %s)", text.Plural(len(b.Records), "record")))
	if len(b.Records) == 0 {
		p.f("  none\n")
		return
	}
	p.retryTable("  ", b.Records)
}

// retryTable prints retry records; the reset preview shows the same table.
func (p *printer) retryTable(indent string, records []backup.RetryRecord) {
	rows := make([][]string, 0, len(records))
	for _, r := range records {
		rows = append(rows, []string{strconv.Itoa(r.RetryNum), stampPtr(r.DetectFailedAt), stampPtr(r.ExpectedRetryAt),
			text.Dash(stampPtrEmpty(r.RealRetryAt, "not yet")), text.Dash(r.RetryReason), text.Dash(r.OriginalReason)})
	}
	p.table(indent, []string{"#", "Detected", "Expected", "Started", "Reason", "Original reason"}, rows)
}

func conditions(p *printer, b *backup.Backup) {
	p.heading("Conditions (newest first)")
	if len(b.Conditions) == 0 {
		p.f("  none\n")
		return
	}
	rows := make([][]string, 0, len(b.Conditions))
	for _, c := range b.Conditions {
		age := "-"
		if c.LastTransitionTime != nil {
			age = p.ago(*c.LastTransitionTime)
		}
		rows = append(rows, []string{c.Type, c.Status, text.Dash(c.Reason), age, c.Message})
	}
	p.table("  ", []string{"Type", "Status", "Reason", "Age", "Message"}, rows)
}

func events(p *printer, s report.EventsSection) {
	p.heading(fmt.Sprintf("Events of the backup, its jobs and pods (%d, newest first; * = retry story)", len(s.Items)))
	if p.sectionError(s.Error) && len(s.Items) == 0 {
		return
	}
	if len(s.Items) == 0 {
		p.f("  %s\n", s.Note)
		return
	}
	rows := make([][]string, 0, len(s.Items))
	for _, e := range s.Items {
		mark := ""
		if e.Retry {
			mark = "*"
		}
		rows = append(rows, []string{mark, p.ago(e.LastSeen), e.Type, e.Reason, e.Object, strconv.Itoa(int(e.Count)), e.Message})
	}
	p.table("  ", []string{"", "Last seen", "Type", "Reason", "Object", "Count", "Message"}, rows)
}

func workload(p *printer, s report.WorkloadSection) {
	p.heading("Jobs and pods (label tidb.pingcap.com/backup, owned by this backup)")
	if p.sectionError(s.Error) && len(s.Jobs) == 0 {
		return
	}
	if len(s.Jobs) == 0 {
		p.f("  no jobs\n")
	} else {
		rows := make([][]string, 0, len(s.Jobs))
		for _, j := range s.Jobs {
			rows = append(rows, []string{j.Name, p.ago(j.Created), itoa(j.Active), itoa(j.Succeeded), itoa(j.Failed), text.Dash(strings.Join(j.Conditions, ", "))})
		}
		p.table("  ", []string{"Job", "Age", "Active", "Succeeded", "Failed", "Conditions"}, rows)
	}
	if len(s.Pods) > 0 {
		p.f("\n")
		var rows [][]string
		for _, pod := range s.Pods {
			for i, c := range pod.Containers {
				name, phase := pod.Name, pod.Phase
				if i > 0 {
					name, phase = "", ""
				}
				cname := c.Name
				if c.Init {
					cname += " (init)"
				}
				exit := "-"
				if c.ExitCode != nil {
					exit = strconv.Itoa(int(*c.ExitCode))
				}
				rows = append(rows, []string{name, phase, cname, c.State, text.Dash(c.Reason), exit, text.Dash(c.MemoryLimit)})
			}
			if len(pod.Containers) == 0 {
				rows = append(rows, []string{pod.Name, pod.Phase, "-", "-", "-", "-", "-"})
			}
		}
		p.table("  ", []string{"Pod", "Phase", "Container", "State", "Reason", "Exit", "Memory limit"}, rows)
	}
	if s.Unowned > 0 {
		p.f("  (%s with the label left out: their owner is not this backup)\n", text.Plural(s.Unowned, "object"))
	}
}

func podLog(p *printer, s report.PodLogSection) {
	if s.Pod == "" {
		p.heading("Log of the failed backup pod")
		if !p.sectionError(s.Error) {
			p.f("  %s\n", text.Dash(s.Note))
		}
		return
	}
	which := "last " + text.Plural(len(s.Lines), "line")
	if s.Truncated {
		which = text.Plural(len(s.Lines), "line") + ", cut at --limit-bytes"
	}
	p.heading(fmt.Sprintf("Log of pod %s, container %s (%s)", s.Pod, s.Container, which))
	if p.sectionError(s.Error) {
		return
	}
	if s.Truncated {
		p.f("  (the log reached --limit-bytes: this is its oldest part within --tail, not its end; raise --limit-bytes)\n")
	}
	overBudget(p, s.LinesOverBudget)
	writeLines(p, s.Lines)
}

// overBudget says that older lines were left out to bound memory.
func overBudget(p *printer, n int) {
	if n > 0 {
		p.f("  (%s left out, oldest first: the lines kept are limited to 4 MiB)\n", text.Plural(n, "older line"))
	}
}

func controller(p *printer, s report.ControllerSection) {
	p.heading(fmt.Sprintf("Controller log about this backup (%s; since %s)", s.Selector, stamp(s.Since)))
	if len(s.Pods) > 0 {
		p.f("  pods: %s; %d of %d lines mention the backup, last %d shown\n", strings.Join(s.Pods, ", "), s.Matched, s.Scanned, len(s.Lines))
	}
	if s.SkippedPods > 0 {
		p.f("  (%s matching the selector not read: at most 4 are, running and newest first; set --controller-namespace)\n", text.Plural(s.SkippedPods, "more pod"))
	}
	if s.Truncated {
		p.f("  (a log reached --limit-bytes: raise it or narrow --since to see newer lines)\n")
	}
	overBudget(p, s.LinesOverBudget)
	if !p.sectionError(s.Error) || len(s.Lines) > 0 {
		writeLines(p, s.Lines)
	}
}

func writeLines(p *printer, lines []string) {
	if len(lines) == 0 {
		p.f("  (no lines)\n")
	}
	var carry text.Carry // a PEM key or a YAML value over several lines
	for _, l := range lines {
		p.line(carry.Hide(l))
	}
}

func (p *printer) ago(t time.Time) string { return duration.HumanDuration(p.now.Sub(t)) }

// stamp prints a time in UTC, to the second, as RFC 3339.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func stampPtr(t *time.Time) string { return stampPtrEmpty(t, "-") }

func stampPtrEmpty(t *time.Time, empty string) string {
	if t == nil {
		return empty
	}
	return stamp(*t)
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
