package diagnose

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Shared by the field diagnoses (docs/diagnoses.md): every finding ends
// its summary with the evidence it read, so the person can check it.

// evidence is " [evidence: a; b]".
func evidence(items ...string) string {
	return " [evidence: " + strings.Join(items, "; ") + "]"
}

// quoteLine is a log or message line cut to what a summary can hold.
func quoteLine(s string) string {
	return fmt.Sprintf("%q", text.Cut(text.OneLine(s), 300))
}

// ago is "12m ago" from the report's time; age is "12m".
func ago(r *report.Report, t time.Time) string { return age(r, t) + " ago" }

func age(r *report.Report, t time.Time) string { return duration.HumanDuration(r.GeneratedAt.Sub(t)) }

// firstLineWith returns the first line holding one of the needles.
func firstLineWith(lines []string, needles ...string) (line, needle string) {
	for _, l := range lines {
		for _, n := range needles {
			if strings.Contains(l, n) {
				return l, n
			}
		}
	}
	return "", ""
}
