package bundle

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestNamerStableAndKeyed(t *testing.T) {
	a := NewNamerWithKey([]byte("key-a"))
	b := NewNamerWithKey([]byte("key-b"))
	ns := a.Add(NameNamespace, "tidb-prod")
	if again := a.Add(NameBackup, "tidb-prod"); again != ns {
		t.Errorf("the same name got %q then %q", ns, again)
	}
	if !strings.HasPrefix(ns, "ns-") || len(ns) != len("ns-")+10 {
		t.Errorf("hash %q", ns)
	}
	if other := b.Add(NameNamespace, "tidb-prod"); other == ns {
		t.Error("two keys gave the same hash: names could be guessed across bundles")
	}
	var none *Namer
	if none.Replace("tidb-prod") != "tidb-prod" || none.Name(NameNamespace, "x") != "x" {
		t.Error("a nil Namer changed a name")
	}
}

// Names are replaced where they stand as names: whole words, or whole
// "."/"/" parts of one; never inside a "-"-joined word.
func TestNamerReplaceAtBoundaries(t *testing.T) {
	n := NewNamerWithKey([]byte("k"))
	tidb := n.Add(NameNamespace, "tidb")
	nightly := n.Add(NameBackup, "nightly")
	job := n.Add(NameJob, "backup-nightly")
	def := n.Add(NameNamespace, "default")
	for in, want := range map[string]string{
		"tidb/nightly":                            tidb + "/" + nightly,
		"Job/backup-nightly":                      "Job/" + job,
		"pingcap/tidb-operator:v1.6.1":            "pingcap/tidb-operator:v1.6.1",
		"pod backup-nightly-x failed":             "pod backup-nightly-x failed",
		"ns-x":                                    "ns-x",
		"[backup=tidb/nightly] at basic.tidb.svc": "[backup=" + tidb + "/" + nightly + "] at basic." + tidb + ".svc",
		"tidb_manager.go: TiDB tidbx":             tidb + "_manager.go: TiDB tidbx",
		"namespace default, isDefault Default":    "namespace " + def + ", isDefault Default",
		"default-scheduler":                       "default-scheduler",
		`"nightly":"tidb"`:                        `"` + nightly + `":"` + tidb + `"`,
	} {
		if got := n.Replace(in); got != want {
			t.Errorf("Replace(%q) = %q, want %q", in, got, want)
		}
	}
}

// A longer name that holds a shorter one keeps its own stand-in.
func TestNamerLongestFirst(t *testing.T) {
	n := NewNamerWithKey([]byte("k"))
	ns := n.Add(NameNamespace, "tidb")
	pfx := n.Add(NamePrefix, "tidb/daily")
	bucket := n.Add(NameBucket, "acme.tidb")
	got := n.Replace("s3://acme.tidb/tidb/daily/x in tidb")
	want := "s3://" + bucket + "/" + pfx + "/x in " + ns
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Strings that are no DNS names (none the API server returns) get a
// stand-in for file names but are never searched for: a regexp
// metacharacter or an empty part cannot widen what is replaced.
func TestNamerIgnoresNonNames(t *testing.T) {
	n := NewNamerWithKey([]byte("k"))
	for _, bad := range []string{".*", "a|b", "(x)", "a b", "[a-z]+", "Tidb", "-x", "x.", "a//b", "/", "a\nb"} {
		if h := n.Add(NameNamespace, bad); !strings.HasPrefix(h, "ns-") {
			t.Errorf("Add(%q) = %q: no stand-in", bad, h)
		}
	}
	in := "a|b (x) .* [a-z]+ Tidb -x x. a//b / a b"
	if got := n.Replace(in); got != in {
		t.Errorf("Replace changed text by names that are no DNS names: %q", got)
	}
}

// A long backup's Job and Pod names hold its name cut: each is hidden,
// also a Pod of a retry the bundle never listed.
func TestRegisterJobsHidesCutNames(t *testing.T) {
	n := NewNamerWithKey([]byte("k"))
	name := "acmecorp-payments-production-nightly-full-euwest1-daily" // 55
	n.Add(NameBackup, name)
	registerJobs(n, name)
	pod := ("backup-" + name + "-")[:58] + "x7k2p"
	short := "backup-nightly-" + "ab12c"
	registerJobs(n, "nightly")
	for _, s := range []string{pod, "backup-" + name, ("backup-" + name + "-log-start")[:63], short, "clean-nightly"} {
		got := n.Replace("pod " + s + "_backup.log")
		if strings.Contains(got, name[:20]) || strings.Contains(got, "nightly") || !strings.HasPrefix(got, "pod ") {
			t.Errorf("Replace(%q) = %q", s, got)
		}
	}
	if a, b := n.Replace(pod), n.Replace(pod); a != b || !strings.HasPrefix(a, "pod-") {
		t.Errorf("a generated pod's stand-in %q then %q", a, b)
	}
	// A word longer or shorter than a generated Pod name stays.
	if got := n.Replace("backup-nightly-ab12cd backup-nightly-ab1"); got != "backup-nightly-ab12cd backup-nightly-ab1" {
		t.Errorf("got %q", got)
	}
}

// Structured files: values are replaced, keys, types and images never.
// A name that is a word of the bundle's own sentences ("backups") is
// still replaced there: hiding it wins over the sentence.
func TestNamerReplaceJSON(t *testing.T) {
	n := NewNamerWithKey([]byte("k"))
	ns := n.Add(NameNamespace, "backup")
	tidb := n.Add(NameNamespace, "tidb")
	n.Add(NameBucket, "backups")
	in := `{"apiVersion":"logbackup.github.io/v1alpha1","kind":"backup","backup":{"namespace":"backup","name":"x"},` +
		`"image":"pingcap/tidb-operator:v1","images":["tidb"],"next":"the controller skips Failed backups: recreate the backup-x","n":1.50,"ok":true,"z":null}`
	out, err := n.ReplaceJSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"apiVersion":"logbackup.github.io/v1alpha1","kind":"backup","backup":{"namespace":"` + ns + `","name":"x"},` +
		`"image":"pingcap/tidb-operator:v1","images":["` + tidb + `"],"next":"the controller skips Failed ` + n.Add(NameBucket, "backups") + `: recreate the backup-x","n":1.50,"ok":true,"z":null}`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
	if !json.Valid(out) {
		t.Error("invalid JSON")
	}
}
