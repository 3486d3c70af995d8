package cmdutil

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// Shell completion runs through cobra's hidden `__complete` command: the
// shell script (from `kubectl logbackup completion bash|zsh|fish|powershell`)
// calls it on every TAB and reads candidates from stdout. So a completion
// must answer in a moment, print nothing but candidates, and never let the
// shell fall back to file names. The functions below are the only
// completion code; a verb wires them with ValidArgsFunction.
//
// Backup references complete like this:
//   - a word with a "/" (tidb/ni): NS/NAME candidates of the backups in NS;
//   - otherwise, with -n NS given: NAME candidates of the backups in NS;
//   - otherwise: NAME candidates of the backups in the kubeconfig's current
//     namespace, and "NS/" for every namespace the user may list whose
//     "NS/" starts with the word. When a "NS/" is offered the shell adds no
//     space after the chosen candidate (NoSpace applies to all of them), so
//     the user can go on typing the name.
// Both API groups are listed (or the one --api-group names); a name in
// both is offered once.

const (
	// CompletionTimeout bounds one completion; --request-timeout bounds it
	// further when shorter. A TAB that hangs is worse than no candidates.
	CompletionTimeout = 5 * time.Second
	// MaxCompletions caps the candidates of one completion: more than a
	// shell can show usefully, few enough to stay quick and small.
	MaxCompletions = 1000
	// completionPageSize: completion reads names only, so pages stay
	// small and the first candidates come early.
	completionPageSize = 250
)

// errEnough stops a list once MaxCompletions candidates were found.
var errEnough = errors.New("enough candidates")

// RegisterCompletions completes kubectl's own flags on the root, for
// every verb: -n/--namespace from the cluster, --context, --cluster and
// --user from the kubeconfig (as --kubeconfig names it, if typed). Enum
// flags complete themselves (AddEnum); backup arguments are each verb's
// ValidArgsFunction (CompleteBackupRefs, CompleteEachBackupRef).
func RegisterCompletions(root *cobra.Command, flags *genericclioptions.ConfigFlags) {
	funcs := map[string]cobra.CompletionFunc{
		"namespace": CompleteNamespaces(flags),
		"context":   CompleteContexts(flags),
		"cluster":   completeKubeconfig(flags, func(c *clientcmdapi.Config) []string { return keys(c.Clusters) }),
		"user":      completeKubeconfig(flags, func(c *clientcmdapi.Config) []string { return keys(c.AuthInfos) }),
	}
	for name, fn := range funcs {
		if root.Flag(name) != nil {
			_ = root.RegisterFlagCompletionFunc(name, fn)
		}
	}
}

// CompleteBackupRefs completes the one backup argument of a verb such as
// `investigate` ([NAMESPACE/]NAME); nothing is offered after it.
func CompleteBackupRefs(flags *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, word string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeRefs(cmd, flags, word, nil)
	}
}

// CompleteEachBackupRef completes every backup argument of a verb that
// takes several (`reset-retries`), leaving out the backups already given.
func CompleteEachBackupRef(flags *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, word string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return completeRefs(cmd, flags, word, args)
	}
}

// CompleteNamespaces completes a namespace flag's value from the
// namespaces the user may list.
func CompleteNamespaces(flags *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, word string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return withSession(cmd, flags, func(ctx context.Context, s *Session) ([]string, error) {
			return namespaceNames(ctx, s.Clients, word)
		})
	}
}

// CompleteContexts completes --context from the kubeconfig's contexts.
func CompleteContexts(flags *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return completeKubeconfig(flags, func(c *clientcmdapi.Config) []string { return keys(c.Contexts) })
}

// CompleteContextList completes the last element of a comma-separated
// list of contexts (--contexts a,b,c), leaving out those already listed;
// the shell adds no space, so another ",NAME" can follow.
func CompleteContextList(flags *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, word string) ([]cobra.Completion, cobra.ShellCompDirective) {
		raw, err := flags.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return nil, failed
		}
		return listCandidates(word, keys(raw.Contexts)), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

// failed tells the shell that completion failed: no candidates, and no
// file names either.
const failed = cobra.ShellCompDirectiveError | cobra.ShellCompDirectiveNoFileComp

func completeKubeconfig(flags *genericclioptions.ConfigFlags, names func(*clientcmdapi.Config) []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, word string) ([]cobra.Completion, cobra.ShellCompDirective) {
		raw, err := flags.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return nil, failed
		}
		return matching(word, names(&raw)), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeRefs completes one backup reference; given are the arguments
// already typed, whose backups are not offered again.
func completeRefs(cmd *cobra.Command, flags *genericclioptions.ConfigFlags, word string, given []string) ([]cobra.Completion, cobra.ShellCompDirective) {
	nsFlag := ""
	if flags.Namespace != nil {
		nsFlag = *flags.Namespace
	}
	only := ""
	if f := cmd.Flags().Lookup("api-group"); f != nil {
		only = f.Value.String()
	}
	comps, dir := withSession(cmd, flags, func(ctx context.Context, s *Session) ([]string, error) {
		plan := planRefs(word, nsFlag, s.Namespace)
		return plan.candidates(ctx, s.Clients, only, givenRefs(given, s.Namespace))
	})
	if slices.ContainsFunc(comps, func(c string) bool { return strings.HasSuffix(c, "/") }) {
		dir |= cobra.ShellCompDirectiveNoSpace
	}
	return comps, dir
}

// withSession builds a session from the flags typed so far and runs fn
// within the completion's bound. The API server's warnings are dropped:
// stdout carries the candidates, and a warning there would be one. When
// the bound passes, the answer is "failed" at once, whatever fn is doing.
func withSession(cmd *cobra.Command, flags *genericclioptions.ConfigFlags, fn func(context.Context, *Session) ([]string, error)) ([]cobra.Completion, cobra.ShellCompDirective) {
	s, err := NewSession(flags, io.Discard)
	if err != nil {
		return nil, failed
	}
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, completionBound(s.RequestTimeout))
	defer cancel()
	type answer struct {
		comps []string
		err   error
	}
	done := make(chan answer, 1) // buffered: a late answer must not block its goroutine
	go func() {
		comps, err := fn(ctx, s)
		done <- answer{comps, err}
	}()
	select {
	case a := <-done:
		if a.err != nil && len(a.comps) == 0 {
			return nil, failed
		}
		return a.comps, cobra.ShellCompDirectiveNoFileComp
	case <-ctx.Done():
		return nil, failed
	}
}

// completionBound is CompletionTimeout, or --request-timeout when shorter.
func completionBound(requestTimeout time.Duration) time.Duration {
	if requestTimeout > 0 && requestTimeout < CompletionTimeout {
		return requestTimeout
	}
	return CompletionTimeout
}

// refPlan is what a backup reference completion lists and offers.
type refPlan struct {
	namespace  string // where backups are listed
	qualified  bool   // candidates are NS/NAME, else NAME
	namePrefix string
	// offerNamespaces: also "NS/" for each namespace whose "NS/" starts
	// with namePrefix.
	offerNamespaces bool
}

// planRefs reads the word being completed, -n (nsFlag, "" when not given)
// and the session's namespace (-n, else the kubeconfig's).
func planRefs(word, nsFlag, current string) refPlan {
	if ns, name, ok := strings.Cut(word, "/"); ok {
		return refPlan{namespace: ns, qualified: true, namePrefix: name}
	}
	if nsFlag != "" {
		return refPlan{namespace: nsFlag, namePrefix: word}
	}
	return refPlan{namespace: current, namePrefix: word, offerNamespaces: true}
}

// candidates lists what the plan offers. A failure to list namespaces only
// loses the "NS/" candidates; a failure to list backups is the error when
// nothing at all was found.
func (p refPlan) candidates(ctx context.Context, c backupapi.Clients, only string, given map[string]bool) ([]string, error) {
	if p.namespace == "" || strings.Contains(p.namePrefix, "/") {
		return nil, nil // "/x" or "a/b/c" name no backup
	}
	type result struct {
		names []string
		err   error
	}
	nsDone := make(chan result, 1)
	if p.offerNamespaces {
		go func() {
			names, err := namespaceNames(ctx, c, p.namePrefix)
			nsDone <- result{names, err}
		}()
	} else {
		nsDone <- result{}
	}
	names, err := backupNames(ctx, c, only, p.namespace, p.namePrefix)
	var out []string
	for _, name := range names {
		if given[p.namespace+"/"+name] {
			continue
		}
		if p.qualified {
			name = p.namespace + "/" + name
		}
		out = append(out, name)
	}
	nss := <-nsDone
	for _, ns := range nss.names {
		if len(out) < MaxCompletions {
			out = append(out, ns+"/")
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	return nil, err
}

// backupNames lists the names of backups in ns starting with prefix, in
// every served group (or only the one named), each name once, sorted. One
// group that cannot be listed does not hide the other's names.
func backupNames(ctx context.Context, c backupapi.Clients, only, ns, prefix string) ([]string, error) {
	apis, err := backupapi.Discover(ctx, c.Kube.Discovery().RESTClient(), only)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	var listErr error
	for _, api := range apis {
		err := backupapi.List(ctx, c.Dynamic, []backupapi.API{api}, backupapi.ListOptions{Namespace: ns, PageSize: completionPageSize},
			func(_ backupapi.API, u *unstructured.Unstructured) error {
				name := u.GetName()
				if !strings.HasPrefix(name, prefix) || seen[name] || !safeCandidate(name) {
					return nil
				}
				seen[name] = true
				names = append(names, name)
				if len(names) >= MaxCompletions {
					return errEnough
				}
				return nil
			})
		if errors.Is(err, errEnough) {
			break
		}
		if err != nil && listErr == nil {
			listErr = err
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return nil, listErr
	}
	return names, nil
}

// namespaceNames lists the namespaces starting with prefix, page by page,
// at most MaxCompletions of them, sorted.
func namespaceNames(ctx context.Context, c backupapi.Clients, prefix string) ([]string, error) {
	var names []string
	opts := metav1.ListOptions{Limit: completionPageSize}
	for {
		page, err := c.Kube.CoreV1().Namespaces().List(ctx, opts)
		if err != nil {
			return names, err
		}
		for _, ns := range page.Items {
			if strings.HasPrefix(ns.Name, prefix) && safeCandidate(ns.Name) {
				names = append(names, ns.Name)
			}
		}
		if opts.Continue = page.Continue; opts.Continue == "" || len(names) >= MaxCompletions {
			break
		}
	}
	slices.Sort(names)
	return names[:min(len(names), MaxCompletions)], nil
}

// givenRefs are the backup arguments already typed, as NS/NAME.
func givenRefs(args []string, current string) map[string]bool {
	refs := map[string]bool{}
	for _, a := range args {
		if strings.Contains(a, "/") {
			refs[a] = true
		} else {
			refs[current+"/"+a] = true
		}
	}
	return refs
}

// matching keeps the names that start with word and are safe to hand
// to a shell, each once, sorted, at most MaxCompletions.
func matching(word string, names []string) []string {
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, word) && safeCandidate(n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out[:min(len(out), MaxCompletions)]
}

// listCandidates completes the last element of a comma-separated word:
// "a,b,c" offers "a,b,"+name for each name starting with "c" that is not
// already in the list.
func listCandidates(word string, names []string) []string {
	head, last := "", word
	if i := strings.LastIndex(word, ","); i >= 0 {
		head, last = word[:i+1], word[i+1:]
	}
	listed := strings.Split(strings.TrimSuffix(head, ","), ",")
	var out []string
	for _, n := range matching(last, names) {
		if !slices.Contains(listed, n) && !strings.Contains(n, ",") {
			out = append(out, head+n)
		}
	}
	return out
}

// safeCandidate: names come from the cluster or a kubeconfig, so they are
// untrusted. A candidate with a control character, a space or a quoting
// character would break the completion protocol (one per line, a tab
// starts a description) or the shell line, so it is dropped, not escaped:
// an escaped name would not be the name.
func safeCandidate(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || strings.ContainsRune("`$\\'\"", r) {
			return false
		}
	}
	return true
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
