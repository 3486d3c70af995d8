package bundle

import (
	"fmt"
	"strings"
)

// readme is the bundle's README.md: what each file is. The file list
// is also what tests check the bundle against: every file named in a
// `code` span at the start of a list item exists (logs/ aside).
func readme(o Options, backups []string, notes int) string {
	var b strings.Builder
	b.WriteString(`# kubectl logbackup report

A support bundle made by ` + "`kubectl logbackup report`" + `: everything ` + "`kubectl logbackup investigate`" + `
gathers about each backup, with the raw objects and logs, for someone helping
from outside the cluster.

## What is not in it

- No Secret value. Secrets the backups and their pods refer to are listed by
  name and key names only (secrets.yaml).
- No credential from a spec, an env var, an argument or a log line: fields
  named like credentials (accessKey, secretAccessKey, sasToken, password,
  token, ...), env values whose name looks like a credential's, the value
  after --password-like flags, passwords in URLs, tokens, AWS access key ids
  and name=value credentials in any text are replaced by "xxxxx".
- No managedFields, and no kubectl.kubernetes.io/last-applied-configuration
  annotation (it repeats the spec).
`)
	if o.RedactNames {
		b.WriteString(`- No namespace, backup, bucket or prefix name (--redact-names): each is
  replaced, in every file and file name, by a keyed hash such as
  ns-0123456789 or backup-0123456789. The same name has the same hash
  throughout this bundle; the key is random and was not written, so the
  hashes cannot be turned back into names. Job and Pod names, which hold
  the backup's name, have their own hashes (job-..., pod-...). A name is
  replaced where it stands as a whole word (or whole "."/"/" parts of one),
  never inside a longer name such as tidb-operator; field names, kinds,
  API versions and images are kept. A name that is also a word of the
  reports' own sentences (a bucket called "backups") replaces that word.
`)
	}
	fmt.Fprintf(&b, `
## Files

- `+"`README.md`"+`: this file.
- `+"`versions.yaml`"+`: the plugin's version, the Kubernetes API server's, the Backup
  APIs served, and the TiDB Operator version read from each controller
  pod's image tag.
- `+"`notes.txt`"+`: every source that could not be read (a missing permission, a
  log that could not be read, a timeout) and everything left out to keep
  the bundle bounded: %d notes. A file below that is missing for a backup
  is explained there.
- `+"`secrets.yaml`"+`: the Secrets referred to by the backups' specs (secretName)
  and by their pods (env, envFrom, volumes, image pull secrets): names,
  types and key names, never values.

Each backup has a folder backups/NAMESPACE/NAME/ with:

- `+"`report.json`"+`: the investigation, as `+"`kubectl logbackup investigate -o json`"+`
  prints it (schema: docs/output.md, kind Investigation), with the timeline.
- `+"`report.txt`"+`: the same as text, with the diagnosis and next steps.
- `+"`timeline.txt`"+`: everything above on one time axis, grouped by retry.
- `+"`retry-policy.yaml`"+`: the retry policy in force (each value marked when it is
  the operator's default) and the retry arithmetic at the time of the report.
- `+"`backup.yaml`"+`: the Backup object, credentials redacted.
- `+"`jobs.yaml`"+`, `+"`pods.yaml`"+`: its Jobs and Pods (found on the owner chain), as v1 Lists.
- `+"`events.yaml`"+`: the Events of the Backup, its Jobs and its Pods (the API server
  keeps them about an hour).
- `+"`controller.log`"+`: the TiDB Operator controller's log lines about the backup.
- logs/POD_CONTAINER.log: the log of each container of each backup pod,
  init containers too, at most %d bytes each (--limit-bytes); a longer log
  keeps its first half and its last lines, with a line between them saying
  what was left out.

Log lines and text from the cluster are kept as written, except that
credentials are replaced and control characters are escaped (\x1b).
A credential is found when its name and its value are together in one
string, or in consecutive lines of one log (a PEM private key, a YAML block
scalar, a list item after a credential flag); a value with no name beside it
(a bare key printed alone) cannot be told from other text. Check the bundle
before you share it if your tools log such values.

## Backups in this bundle

`, notes, o.LimitBytes)
	if len(backups) == 0 {
		b.WriteString("none\n")
	}
	for _, d := range backups {
		b.WriteString("- " + d + "/\n")
	}
	return b.String()
}
