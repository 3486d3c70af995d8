package cmdutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// fakeBackups is what the fake API server holds: group -> namespace ->
// names. Namespace "forbidden-v1" refuses pingcap.com lists; "slow" never
// answers.
var fakeBackups = map[string]map[string][]string{
	"pingcap.com": {
		"tidb":         {"nightly", "nightly-other", "both", "evil\x1b[31mname", "two words", "tab\tdesc"},
		"shared":       {"both"},
		"forbidden-v1": {"hidden"},
	},
	"br.pingcap.com": {
		"tidb":         {"both", "v2only"},
		"tidb-v2":      {"daily", "pitr"},
		"shared":       {"both", "brand-new"},
		"forbidden-v1": {"visible"},
	},
}

// fakeAPIServer serves discovery of both groups, their backups and the
// namespaces, enough for completion.
func fakeAPIServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case r.URL.Path == "/api/v1/namespaces":
			var items []string
			for _, ns := range []string{"default", "kube-system", "shared", "tidb", "tidb-v2", "forbidden-v1", "slow", "bad\x07ns"} {
				items = append(items, `{"metadata":{"name":`+quote(ns)+`}}`)
			}
			fmt.Fprintf(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[%s]}`, strings.Join(items, ","))
		case len(parts) == 3 && parts[0] == "apis":
			fmt.Fprintf(w, `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"%s/v1alpha1","resources":[{"name":"backups","namespaced":true,"kind":"Backup","verbs":["get","list"]}]}`, parts[1])
		case len(parts) == 6 && parts[0] == "apis" && parts[3] == "namespaces" && parts[5] == "backups":
			group, ns := parts[1], parts[4]
			if ns == "slow" {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return
			}
			if ns == "forbidden-v1" && group == "pingcap.com" {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"backups.pingcap.com is forbidden: User \"x\" cannot list resource"}`)
				return
			}
			var items []string
			for _, name := range fakeBackups[group][ns] {
				items = append(items, fmt.Sprintf(`{"apiVersion":"%s/v1alpha1","kind":"Backup","metadata":{"name":%s,"namespace":%s}}`, group, quote(name), quote(ns)))
			}
			fmt.Fprintf(w, `{"kind":"BackupList","apiVersion":"%s/v1alpha1","metadata":{},"items":[%s]}`, group, strings.Join(items, ","))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// writeKubeconfig has two good contexts on the fake server (current:
// "fake", namespace tidb) and names a shell must never see.
func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c-fake"] = &clientcmdapi.Cluster{Server: server}
	cfg.Clusters["c-down"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1"}
	cfg.AuthInfos["u-one"] = &clientcmdapi.AuthInfo{Token: "t1"}
	cfg.AuthInfos["u-two"] = &clientcmdapi.AuthInfo{Token: "t2"}
	cfg.Contexts["fake"] = &clientcmdapi.Context{Cluster: "c-fake", AuthInfo: "u-one", Namespace: "tidb"}
	cfg.Contexts["fake-v2"] = &clientcmdapi.Context{Cluster: "c-fake", AuthInfo: "u-two", Namespace: "tidb-v2"}
	cfg.Contexts["down"] = &clientcmdapi.Context{Cluster: "c-down", AuthInfo: "u-one"}
	cfg.Contexts["evil\x1b]0;x\x07"] = &clientcmdapi.Context{Cluster: "c-fake", AuthInfo: "u-one"}
	cfg.Contexts["has space"] = &clientcmdapi.Context{Cluster: "c-fake", AuthInfo: "u-one"}
	cfg.Contexts["$(rm -rf ~)"] = &clientcmdapi.Context{Cluster: "c-fake", AuthInfo: "u-one"}
	cfg.CurrentContext = "fake"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// testRoot is a small command tree wired the way pkg/cmd wires the real
// one: one-backup and many-backup verbs, enum flags, a context list.
func testRoot() *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{Use: "logbackup", SilenceErrors: true, SilenceUsage: true}
	flags.AddFlags(root.PersistentFlags())
	one := &cobra.Command{Use: "one", ValidArgsFunction: CompleteBackupRefs(flags), RunE: func(*cobra.Command, []string) error { return nil }}
	AddOutputFlag(one, "")
	AddAPIGroupFlag(one)
	var contexts string
	one.Flags().StringVar(&contexts, "contexts", "", "")
	_ = one.RegisterFlagCompletionFunc("contexts", CompleteContextList(flags))
	many := &cobra.Command{Use: "many", ValidArgsFunction: CompleteEachBackupRef(flags), RunE: func(*cobra.Command, []string) error { return nil }}
	root.AddCommand(one, many)
	RegisterCompletions(root, flags)
	return root
}

// complete runs `__complete args...` and returns the candidates and the
// directive, failing on anything else on stdout.
func complete(t *testing.T, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	root := testRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{cobra.ShellCompRequestCmd}, args...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("__complete %q: %v", args, err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	var d int
	if _, err := fmt.Sscanf(last, ":%d", &d); err != nil {
		t.Fatalf("__complete %q: no directive line: %q", args, out.String())
	}
	return lines[:len(lines)-1], cobra.ShellCompDirective(d)
}

const (
	noFile  = cobra.ShellCompDirectiveNoFileComp
	noSpace = cobra.ShellCompDirectiveNoSpace
)

func TestCompleteBackupRefs(t *testing.T) {
	kc := writeKubeconfig(t, fakeAPIServer(t).URL)
	tests := []struct {
		name string
		args []string
		want []string
		dir  cobra.ShellCompDirective
	}{
		{"names of both groups in the current namespace, and NS/ prefixes", []string{"one", ""},
			[]string{"both", "nightly", "nightly-other", "v2only", "default/", "forbidden-v1/", "kube-system/", "shared/", "slow/", "tidb/", "tidb-v2/"}, noFile | noSpace},
		{"a prefix that only names match: no NoSpace", []string{"one", "ni"}, []string{"nightly", "nightly-other"}, noFile},
		{"a prefix that names and namespaces match", []string{"one", "t"}, []string{"tidb/", "tidb-v2/"}, noFile | noSpace},
		{"NS/ lists that namespace as NS/NAME", []string{"one", "tidb-v2/"}, []string{"tidb-v2/daily", "tidb-v2/pitr"}, noFile},
		{"NS/prefix", []string{"one", "shared/b"}, []string{"shared/both", "shared/brand-new"}, noFile},
		{"-n lists that namespace as NAME", []string{"one", "-n", "tidb-v2", ""}, []string{"daily", "pitr"}, noFile},
		{"--namespace after the word's position", []string{"one", "--namespace=shared", "br"}, []string{"brand-new"}, noFile},
		{"--api-group limits to one group", []string{"one", "--api-group", "pingcap.com", "-n", "shared", ""}, []string{"both"}, noFile},
		{"--context picks the context's namespace", []string{"--context", "fake-v2", "one", ""},
			[]string{"daily", "pitr", "default/", "forbidden-v1/", "kube-system/", "shared/", "slow/", "tidb/", "tidb-v2/"}, noFile | noSpace},
		{"one group forbidden: the other's names still come", []string{"one", "forbidden-v1/"}, []string{"forbidden-v1/visible"}, noFile},
		{"nothing after the one argument", []string{"one", "nightly", ""}, nil, noFile},
		{"a namespace with no backups", []string{"one", "default/"}, nil, noFile},
		{"a word that names no namespace", []string{"one", "/x"}, nil, noFile},
		{"many: each argument, those given left out", []string{"many", "nightly", "tidb/both", "-n", "tidb", ""}, []string{"nightly-other", "v2only"}, noFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dir := complete(t, append([]string{"--kubeconfig", kc}, tt.args...)...)
			if !slices.Equal(got, tt.want) || dir != tt.dir {
				t.Errorf("got %q %s, want %q %s", got, dirString(dir), tt.want, dirString(tt.dir))
			}
		})
	}
}

func dirString(d cobra.ShellCompDirective) string { return fmt.Sprintf(":%d", d) }

// A silent or unreachable API server yields no candidates, the Error
// directive (so the shell shows nothing, not file names) and nothing else,
// within the request timeout or CompletionTimeout.
func TestCompletionFailsQuicklyAndSilently(t *testing.T) {
	kc := writeKubeconfig(t, fakeAPIServer(t).URL)
	for name, args := range map[string][]string{
		"silent server, --request-timeout bounds it": {"--kubeconfig", kc, "--request-timeout", "300ms", "one", "slow/"},
		"unreachable server":                         {"--kubeconfig", kc, "--context", "down", "one", ""},
		"unreachable server, NS/":                    {"--kubeconfig", kc, "--context", "down", "one", "tidb/"},
		"a context that does not exist":              {"--kubeconfig", kc, "--context", "nope", "one", ""},
		"a bad --request-timeout":                    {"--kubeconfig", kc, "--request-timeout", "banana", "one", ""},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			got, dir := complete(t, args...)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s", took)
			}
			if len(got) != 0 || dir != cobra.ShellCompDirectiveError|noFile {
				t.Errorf("got %q %s, want nothing with Error|NoFileComp", got, dirString(dir))
			}
		})
	}
}

func TestCompletionOfKubeconfigNamesAndNamespaces(t *testing.T) {
	kc := writeKubeconfig(t, fakeAPIServer(t).URL)
	tests := []struct {
		args []string
		want []string
		dir  cobra.ShellCompDirective
	}{
		{[]string{"one", "--context", ""}, []string{"down", "fake", "fake-v2"}, noFile},
		{[]string{"one", "--context", "fa"}, []string{"fake", "fake-v2"}, noFile},
		{[]string{"one", "--cluster", ""}, []string{"c-down", "c-fake"}, noFile},
		{[]string{"one", "--user", "u-"}, []string{"u-one", "u-two"}, noFile},
		{[]string{"one", "-n", "ti"}, []string{"tidb", "tidb-v2"}, noFile},
		{[]string{"many", "--namespace", ""}, []string{"default", "forbidden-v1", "kube-system", "shared", "slow", "tidb", "tidb-v2"}, noFile},
		{[]string{"one", "--contexts", "fake,"}, []string{"fake,down", "fake,fake-v2"}, noFile | noSpace},
		{[]string{"one", "--contexts", "down,fake-v2,f"}, []string{"down,fake-v2,fake"}, noFile | noSpace},
		{[]string{"one", "-o", ""}, []string{"json", "yaml"}, noFile},
		{[]string{"one", "--api-group", ""}, []string{"pingcap.com", "br.pingcap.com"}, noFile},
	}
	for _, tt := range tests {
		got, dir := complete(t, append([]string{"--kubeconfig", kc}, tt.args...)...)
		if !slices.Equal(got, tt.want) || dir != tt.dir {
			t.Errorf("%q: got %q %s, want %q %s", tt.args, got, dirString(dir), tt.want, dirString(tt.dir))
		}
	}
}

func TestPlanRefs(t *testing.T) {
	tests := []struct {
		word, nsFlag, current string
		want                  refPlan
	}{
		{"", "", "tidb", refPlan{namespace: "tidb", namePrefix: "", offerNamespaces: true}},
		{"ni", "", "tidb", refPlan{namespace: "tidb", namePrefix: "ni", offerNamespaces: true}},
		{"ni", "ops", "ops", refPlan{namespace: "ops", namePrefix: "ni"}},
		{"prod/ni", "ops", "ops", refPlan{namespace: "prod", qualified: true, namePrefix: "ni"}},
		{"prod/", "", "tidb", refPlan{namespace: "prod", qualified: true}},
		{"a/b/c", "", "tidb", refPlan{namespace: "a", qualified: true, namePrefix: "b/c"}},
	}
	for _, tt := range tests {
		if got := planRefs(tt.word, tt.nsFlag, tt.current); got != tt.want {
			t.Errorf("planRefs(%q, %q, %q) = %+v, want %+v", tt.word, tt.nsFlag, tt.current, got, tt.want)
		}
	}
}

func TestSafeCandidate(t *testing.T) {
	for s, want := range map[string]bool{
		"nightly": true, "arn:aws:eks:us-west-2:1:cluster/prod": true, "gke_p_z_c": true, "ns/": true, "名前": true,
		"": false, "a b": false, "a\tb": false, "a\nb": false, "\x1b[31m": false, "a\u00a0b": false, "a\u200bb": false,
		"$(id)": false, "`id`": false, `a"b`: false, "a'b": false, `a\b`: false, "a\x7fb": false,
	} {
		if got := safeCandidate(s); got != want {
			t.Errorf("safeCandidate(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCompletionBound(t *testing.T) {
	for rt, want := range map[time.Duration]time.Duration{
		0: CompletionTimeout, time.Second: time.Second, time.Minute: CompletionTimeout, CompletionTimeout: CompletionTimeout,
	} {
		if got := completionBound(rt); got != want {
			t.Errorf("completionBound(%s) = %s, want %s", rt, got, want)
		}
	}
}

func TestMatchingIsCapped(t *testing.T) {
	names := make([]string, MaxCompletions+10)
	for i := range names {
		names[i] = fmt.Sprintf("b%05d", i)
	}
	names = append(names, "b00001") // a repeat is offered once
	got := matching("b", names)
	if len(got) != MaxCompletions || got[0] != "b00000" || got[1] != "b00001" || got[2] != "b00002" {
		t.Errorf("got %d candidates starting %q", len(got), got[:3])
	}
}

func TestListCandidates(t *testing.T) {
	names := []string{"a", "ab", "b", "c,d"}
	for word, want := range map[string][]string{
		"":     {"a", "ab", "b"},
		"a":    {"a", "ab"},
		"a,":   {"a,ab", "a,b"},
		"a,b,": {"a,b,ab"},
		"b,a":  {"b,a", "b,ab"},
		"x,":   {"x,a", "x,ab", "x,b"},
	} {
		if got := listCandidates(word, names); !slices.Equal(got, want) {
			t.Errorf("listCandidates(%q) = %q, want %q", word, got, want)
		}
	}
}
