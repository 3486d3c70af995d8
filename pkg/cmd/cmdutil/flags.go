package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
)

// ParseRef reads a backup argument with the session's namespace as the
// default, and refuses NS/NAME together with a different -n: a person who
// typed both meant one of them, and guessing which is worse than asking.
func ParseRef(arg string, flags *genericclioptions.ConfigFlags, s *Session) (backup.Ref, error) {
	ref, err := backup.ParseRef(arg, s.Namespace)
	if err != nil {
		return backup.Ref{}, err
	}
	if flags.Namespace != nil && *flags.Namespace != "" && strings.Contains(arg, "/") && *flags.Namespace != ref.Namespace {
		return backup.Ref{}, fmt.Errorf("the namespace in %q contradicts -n %s; give one of them", arg, *flags.Namespace)
	}
	return ref, nil
}

// AddAPIGroupFlag defines --api-group, the same for every verb that reads
// backups ("" means every served group).
func AddAPIGroupFlag(cmd *cobra.Command) *Enum {
	return AddEnum(cmd, "api-group", "", "", "Backup API group: pingcap.com (operator v1) or br.pingcap.com (operator v2). Default: every group the cluster serves.",
		backupapi.KnownGroups()...)
}

// AddOutputFlag defines -o, the same for every verb: the formats given
// (json and yaml unless others are named), or text when it is absent.
func AddOutputFlag(cmd *cobra.Command, usage string, formats ...string) *Enum {
	if len(formats) == 0 {
		formats = []string{output.JSON, output.YAML}
	}
	return AddEnum(cmd, "output", "o", "", fmt.Sprintf("Output format: %s (default: text). %s", strings.Join(formats, " or "), usage), formats...)
}

// ValidateNamespaceFlag checks a namespace flag's value ("" is allowed).
func ValidateNamespaceFlag(flag, ns string) error {
	if ns == "" {
		return nil
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return fmt.Errorf("invalid %s %q: %s", flag, ns, errs[0])
	}
	return nil
}

// ValidateSelectorFlag checks a label selector flag's value.
func ValidateSelectorFlag(flag, sel string) error {
	if len(sel) > maxSelectorBytes {
		return fmt.Errorf("invalid %s: %d bytes is longer than %d", flag, len(sel), maxSelectorBytes)
	}
	if _, err := labels.Parse(sel); err != nil {
		return fmt.Errorf("invalid %s %q: %v", flag, sel, err)
	}
	return nil
}

// maxSelectorBytes: no real selector is longer, and a longer one would be
// sent in every request's URL.
const maxSelectorBytes = 4096
