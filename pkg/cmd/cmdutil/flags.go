package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
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

// AddAPIGroupFlag defines --api-group, the same for every verb that finds
// a backup; ValidateAPIGroup checks it.
func AddAPIGroupFlag(cmd *cobra.Command, group *string) {
	cmd.Flags().StringVar(group, "api-group", "", "Backup API group: pingcap.com (operator v1) or br.pingcap.com (operator v2). Default: every group the cluster serves.")
	_ = cmd.RegisterFlagCompletionFunc("api-group", cobra.FixedCompletions(gather.KnownGroups(), cobra.ShellCompDirectiveNoFileComp))
}

// ValidateAPIGroup checks --api-group ("" means every served group).
func ValidateAPIGroup(group string) error {
	if group == "" || slices.Contains(gather.KnownGroups(), group) {
		return nil
	}
	return fmt.Errorf("invalid --api-group %q: use %s", group, strings.Join(gather.KnownGroups(), " or "))
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
	if _, err := labels.Parse(sel); err != nil {
		return fmt.Errorf("invalid %s %q: %v", flag, sel, err)
	}
	return nil
}
