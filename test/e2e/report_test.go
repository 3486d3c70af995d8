package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
)

// bundleFiles reads a bundle (zip or folder) into memory: path -> bytes.
func bundleFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.IsDir() {
		err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(path, p)
			data, err := os.ReadFile(p)
			files[filepath.ToSlash(rel)] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = data
	}
	return files
}

// readmeFiles are the file names the README lists in `code` at the
// start of a list item.
var readmeFile = regexp.MustCompile("(?m)^- `([A-Za-z.-]+)`(?:, `([A-Za-z.-]+)`)?")

// checkBundle holds a bundle to what its README says and to valid JSON
// and YAML, and returns the folders of its backups.
func checkBundle(t *testing.T, files map[string][]byte) []string {
	t.Helper()
	readme, ok := files["README.md"]
	if !ok {
		t.Fatalf("no README.md; files: %v", keysOf(files))
	}
	var top, perBackup []string
	inBackups := false
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "Each backup has a folder") {
			inBackups = true
		}
		for _, m := range readmeFile.FindAllStringSubmatch(line, -1) {
			for _, name := range m[1:] {
				if name == "" {
					continue
				}
				if inBackups {
					perBackup = append(perBackup, name)
				} else {
					top = append(top, name)
				}
			}
		}
	}
	if len(top) < 4 || len(perBackup) < 9 {
		t.Fatalf("README lists %v and %v", top, perBackup)
	}
	for _, f := range top {
		if _, ok := files[f]; !ok {
			t.Errorf("README names %s; the bundle lacks it", f)
		}
	}
	var dirs []string
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "- backups/") {
			dirs = append(dirs, strings.TrimSuffix(strings.TrimPrefix(line, "- "), "/"))
		}
	}
	for _, d := range dirs {
		for _, f := range perBackup {
			if _, ok := files[d+"/"+f]; !ok && !noteExplains(files, f) {
				t.Errorf("README names %s for each backup; %s lacks it and notes.txt does not say why", f, d)
			}
		}
	}
	for name, data := range files {
		switch {
		case strings.HasSuffix(name, ".json"):
			if !json.Valid(data) {
				t.Errorf("%s is not valid JSON", name)
			}
		case strings.HasSuffix(name, ".yaml"):
			var v map[string]any
			if err := yaml.Unmarshal(data, &v); err != nil || v["kind"] == nil {
				t.Errorf("%s is not a YAML object with a kind: %v", name, err)
			}
		}
	}
	return dirs
}

// noteExplains: a per-backup file left out because its source was refused.
func noteExplains(files map[string][]byte, file string) bool {
	notes := string(files["notes.txt"])
	switch file {
	case "events.yaml":
		return strings.Contains(notes, "events: forbidden")
	case "jobs.yaml", "pods.yaml":
		return strings.Contains(notes, "jobs and pods: forbidden")
	}
	return false
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// noneHolds fails for every file (and file name) that holds one of bad.
func noneHolds(t *testing.T, files map[string][]byte, bad ...string) {
	t.Helper()
	for name, data := range files {
		for _, b := range bad {
			if strings.Contains(name, b) {
				t.Errorf("file name %s holds %q", name, b)
			}
			if i := bytes.Index(data, []byte(b)); i >= 0 {
				lo, hi := max(i-80, 0), min(i+80, len(data))
				t.Errorf("%s holds %q: …%s…", name, b, data[lo:hi])
			}
		}
	}
}

func reportRun(t *testing.T, args ...string) (result, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bundle.zip")
	if !hasFlag(args, "--output-file") {
		args = append(args, "--output-file", out)
	} else {
		for i, a := range args {
			if a == "--output-file" {
				out = args[i+1]
			}
		}
	}
	r := plugin(t, append([]string{"report", "--controller-namespace", rptCtlNS}, args...)...)
	return r, out
}

func TestReport(t *testing.T) {
	seedReport(t)
	target := rptNS + "/" + rptBackup
	dir := "backups/" + target

	t.Run("one backup, nothing secret", func(t *testing.T) {
		r, out := reportRun(t, target)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		mustContain(t, r.stdout, out+": 1 backup, ")
		if r.stderr != "" {
			t.Errorf("stderr: %q (no progress without a terminal)", r.stderr)
		}
		files := bundleFiles(t, out)
		checkBundle(t, files)
		noneHolds(t, files, planted)
		for _, f := range []string{"report.json", "report.txt", "timeline.txt", "backup.yaml", "jobs.yaml", "pods.yaml", "events.yaml",
			"retry-policy.yaml", "controller.log", "logs/" + rptPod + "_backup.log", "logs/" + rptPod + "_br.log"} {
			if _, ok := files[dir+"/"+f]; !ok {
				t.Errorf("no %s/%s", dir, f)
			}
		}
		secrets := string(files["secrets.yaml"])
		mustContain(t, secrets, "name: "+rptSecret, "- access_key", "- secret_key", "spec.s3.secretName", "env AWS_ACCESS_KEY_ID")
		log := string(files[dir+"/logs/"+rptPod+"_backup.log"])
		mustContain(t, log, "[key=ordinary-br-key]", "using access key xxxxx for bucket", "backup failed: AccessDenied")
		mustContain(t, string(files[dir+"/backup.yaml"]), "secretAccessKey: xxxxx", "name: "+rptBackup, "bucket: "+rptBucket)
		mustNotContain(t, string(files[dir+"/backup.yaml"]), "last-applied-configuration", "managedFields")
		mustContain(t, string(files[dir+"/controller.log"]), "secret_key=xxxxx")
		mustContain(t, string(files[dir+"/retry-policy.yaml"]), "maxRetryTimes:", "isDefault: false", "isDefault: true")
		mustContain(t, string(files["versions.yaml"]), "version: v1.6.1", "pod: "+rptCtlNS+"/rpt-controller", "pingcap.com/v1alpha1")
		// The pod whose log the kubelet does not have: a note, no file.
		mustContain(t, string(files["notes.txt"]), target+": pods/log of "+rptNoLog+"/backup:")
		if _, ok := files[dir+"/logs/"+rptNoLog+"_backup.log"]; ok {
			t.Error("a log file for the pod whose log could not be read")
		}
	})

	t.Run("redact names", func(t *testing.T) {
		// Both backups: the other one's bucket is "backups", a word of
		// the bundle's own layout, which must still hold.
		r, out := reportRun(t, "-n", rptNS, "--redact-names", "-o", "dir", "--output-file", filepath.Join(t.TempDir(), "named"))
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		files := bundleFiles(t, out)
		dirs := checkBundle(t, files)
		hashed := regexp.MustCompile(`^backups/ns-[0-9a-f]{10}/backup-[0-9a-f]{10}$`)
		if len(dirs) != 2 || !hashed.MatchString(dirs[0]) || !hashed.MatchString(dirs[1]) {
			t.Errorf("folders: %v", dirs)
		}
		noneHolds(t, files, planted, rptNS, rptBackup, rptBucket, rptPrefix)
	})

	t.Run("namespace, and the limit per log", func(t *testing.T) {
		r, out := reportRun(t, "-n", rptNS, "--limit-bytes", "200")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if r.stderr != "" {
			t.Errorf("stderr to a pipe: %q (progress is for a terminal only)", r.stderr)
		}
		files := bundleFiles(t, out)
		dirs := checkBundle(t, files)
		if strings.Join(dirs, " ") != "backups/"+rptNS+"/"+rptBackup+" backups/"+rptNS+"/"+rptOther {
			t.Errorf("folders: %v", dirs)
		}
		mustContain(t, string(files[dir+"/logs/"+rptPod+"_backup.log"]), "[cut: the log reached --limit-bytes=200")
		noneHolds(t, files, planted)
	})

	t.Run("all namespaces: a folder per backup", func(t *testing.T) {
		r, out := reportRun(t, "-A", "--max-backups", "200", "--limit-bytes", "4096")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		files := bundleFiles(t, out)
		dirs := checkBundle(t, files)
		for _, want := range []string{dir, "backups/tidb/nightly", "backups/tidb-v2/daily", "backups/" + rptNS + "/" + rptOther} {
			if !containsString(dirs, want) {
				t.Errorf("no folder %s in %v", want, dirs)
			}
		}
		noneHolds(t, files, planted)
	})

	t.Run("restricted user: notes for what was forbidden", func(t *testing.T) {
		read := []string{"get", "list"}
		grant(t, cluster.UserRestricted, rptNS,
			rbacv1.PolicyRule{APIGroups: []string{"pingcap.com", "br.pingcap.com"}, Resources: []string{"backups"}, Verbs: read},
			rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: read},
			rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: read})
		kc := kubeconfigFor(t, cluster.UserRestricted, rptNS)
		r, out := reportRun(t, "--kubeconfig", kc, rptBackup)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		files := bundleFiles(t, out)
		checkBundle(t, files)
		notes := string(files["notes.txt"])
		mustContain(t, notes,
			target+": events: forbidden: missing permission to list events",
			target+": pods/log of "+rptPod+"/backup: forbidden: missing permission to get pods/log",
			target+": secret "+rptSecret+": forbidden: missing permission to get secrets",
		)
		if _, ok := files[dir+"/pods.yaml"]; !ok {
			t.Error("no pods.yaml though pods may be listed")
		}
		noneHolds(t, files, planted)
	})

	t.Run("progress on a terminal", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "tty.zip")
		term := startTerminal(t, "report", "-n", rptNS, "--controller-namespace", rptCtlNS, "--output-file", out)
		code, screen := term.wait()
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, screen)
		}
		mustContain(t, screen, "[1/2] "+rptNS+"/", "[2/2] "+rptNS+"/", out+": 2 backups")
	})

	t.Run("completion", func(t *testing.T) {
		r := plugin(t, "__complete", "report", rptNS+"/")
		mustContain(t, r.stdout, target, rptNS+"/"+rptOther)
		r = plugin(t, "__complete", "report", "-o", "")
		mustContain(t, r.stdout, "zip", "dir")
	})

	t.Run("refuses to overwrite, bad flags: one line, nothing written", func(t *testing.T) {
		tmp := t.TempDir()
		taken := filepath.Join(tmp, "taken.zip")
		if err := os.WriteFile(taken, []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{target, "--output-file", taken}, "already exists; give another --output-file"},
			{[]string{target, "--output-file", filepath.Join(tmp, "new.zip"), "-o", "tar"}, `must be one of zip, dir`},
			{[]string{target, "--output-file", filepath.Join(tmp, "new.zip"), "--limit-bytes", "0"}, "must be a whole number from 1"},
			{[]string{target, "-A", "--output-file", filepath.Join(tmp, "new.zip")}, "a backup and -A cannot be used together"},
			{[]string{rptNS + "/no-such-backup", "--output-file", filepath.Join(tmp, "new.zip")}, "not found"},
			{[]string{target, "--output-file", filepath.Join(tmp, "no-such-dir", "x.zip")}, "cannot write the bundle beside"},
			{[]string{target, "--output-file="}, "--output-file is empty: give a path"},
			{[]string{"-n", "NoSuch", "--output-file", filepath.Join(tmp, "new.zip")}, "invalid --namespace"},
		} {
			r := plugin(t, append([]string{"report"}, c.args...)...)
			if r.code != 1 {
				t.Errorf("%v: exit %d, want 1", c.args, r.code)
			}
			assertOneLineError(t, r.stderr, c.want)
		}
		if data, _ := os.ReadFile(taken); string(data) != "keep me" {
			t.Error("the existing file was changed")
		}
		entries, _ := os.ReadDir(tmp)
		if len(entries) != 1 {
			t.Errorf("files left behind: %v", entries)
		}
	})
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
