package gather

import "github.com/logbackup/kubectl-logbackup/pkg/text"

// sectionError is the one line a section shows for a failed request
// (backupapi.AccessError names the permission), with any credential a
// proxy or webhook put in its message taken out.
func sectionError(err error) string {
	if err == nil {
		return ""
	}
	return text.Redact(err.Error())
}
