// Package output prints the structured output kinds of every verb
// (-o json|yaml) the same way: one apiVersion in a group this project
// owns, JSON as kubectl indents it, YAML that holds any string, and both
// safe to print on a terminal.
package output

// Group and Version of every output kind. The group is a domain the
// project owns (its GitHub organisation's pages), not PingCAP's. The
// version rule is in docs/output.md: fields may be added within a version;
// renaming, removing or changing the meaning of a field makes a new one.
const (
	Group      = "logbackup.github.io"
	Version    = "v1alpha1"
	APIVersion = Group + "/" + Version
)

// Formats of -o.
const (
	JSON = "json"
	YAML = "yaml"
)
