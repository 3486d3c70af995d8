package cluster

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests call the fake kubelet directly, without an API server, so
// they run without the control-plane binaries.

func newTestKubelet(t testing.TB) (*FakeKubelet, *http.Client) {
	t.Helper()
	k, err := NewFakeKubelet()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // self-signed test server
	}}
	return k, client
}

func fetch(t testing.TB, k *FakeKubelet, client *http.Client, pathAndQuery string) (int, string) {
	t.Helper()
	status, body, err := get(k, client, pathAndQuery)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

func get(k *FakeKubelet, client *http.Client, pathAndQuery string) (int, string, error) {
	resp, err := client.Get(k.URL() + pathAndQuery)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestFakeKubeletOptions(t *testing.T) {
	k, client := newTestKubelet(t)
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	k.SetLog("ns", "pod", "c", []LogLine{
		{Time: base, Text: "one"},
		{Time: base.Add(time.Second), Text: "two"},
		{Time: base.Add(2 * time.Second), Text: "three"},
	})
	k.SetPreviousLog("ns", "pod", "c", []LogLine{{Time: base.Add(-time.Hour), Text: "crashed"}})

	for _, tc := range []struct {
		query      string
		wantStatus int
		want       string
	}{
		{"", 200, "one\ntwo\nthree\n"},
		{"?tailLines=2", 200, "two\nthree\n"},
		{"?tailLines=0", 200, ""},
		{"?tailLines=10", 200, "one\ntwo\nthree\n"},
		{"?tail=1", 200, "three\n"},
		{"?sinceTime=2026-01-02T03:04:06Z", 200, "two\nthree\n"},
		{"?tailLines=1&sinceTime=2026-01-02T03:04:05Z", 200, "three\n"},
		{"?limitBytes=6", 200, "one\ntw"},
		{"?timestamps=true&tailLines=1", 200, "2026-01-02T03:04:07.000000000Z three\n"},
		{"?timestamps=true&limitBytes=10", 200, "2026-01-02"},
		{"?sinceSeconds=60", 200, ""}, // all lines are from January
		{"?previous=true", 200, "crashed\n"},
		{"?stream=Stderr", 200, ""},
		{"?tailLines=x", 400, `{"message": "Unable to decode query."}` + "\n"},
		{"?limitBytes=0", 422, `{"message": "Invalid request."}` + "\n"},
		{"?sinceSeconds=5&sinceTime=2026-01-02T03:04:06Z", 422, `{"message": "Invalid request."}` + "\n"},
	} {
		status, body := fetch(t, k, client, "/containerLogs/ns/pod/c"+tc.query)
		if status != tc.wantStatus || body != tc.want {
			t.Errorf("%q: got %d %q, want %d %q", tc.query, status, body, tc.wantStatus, tc.want)
		}
	}

	k.SetLog("ns", "pod", "recent", []LogLine{{Time: time.Now().Add(-time.Hour), Text: "old"}, {Text: "now"}})
	if _, body := fetch(t, k, client, "/containerLogs/ns/pod/recent?sinceSeconds=60"); body != "now\n" {
		t.Errorf("sinceSeconds: %q", body)
	}

	// Out-of-order fixtures still filter correctly (by scanning).
	k.SetLog("ns", "pod", "unsorted", []LogLine{{Time: base.Add(time.Hour), Text: "late"}, {Time: base, Text: "early"}})
	if _, body := fetch(t, k, client, "/containerLogs/ns/pod/unsorted?sinceTime=2026-01-02T04:00:00Z"); body != "late\n" {
		t.Errorf("unsorted sinceTime: %q", body)
	}

	got := k.Requests()
	if len(got) == 0 || got[1] != "/containerLogs/ns/pod/c?tailLines=2" {
		t.Errorf("Requests() = %v", got)
	}
	k.ResetRequests()
	if n := len(k.Requests()); n != 0 {
		t.Errorf("%d requests after ResetRequests", n)
	}
}

func TestFakeKubeletNotFound(t *testing.T) {
	k, client := newTestKubelet(t)
	k.SetLog("ns", "pod", "c", nil)
	for path, want := range map[string]string{
		"/containerLogs/ns/pod/c":                 "",
		"/containerLogs/ns/pod/other":             `container "other" not found in pod "pod"` + "\n",
		"/containerLogs/ns/ghost/c":               `pod "ghost" does not exist` + "\n",
		"/containerLogs/ns/pod/c?previous=true":   `previous terminated container "c" in pod "pod" not found` + "\n",
		"/containerLogs/other-ns/pod/c":           `pod "pod" does not exist` + "\n",
		"/containerLogs/ns/pod/c/extra/path/part": "404 page not found\n",
	} {
		status, body := fetch(t, k, client, path)
		if body != want {
			t.Errorf("%s: %d %q, want %q", path, status, body, want)
		}
		if want == "" && status != 200 || want != "" && status < 400 {
			t.Errorf("%s: status %d", path, status)
		}
	}
}

// TestFakeKubeletLargeLog checks the options on a big log. What they cost
// is measured by BenchmarkFakeKubeletLargeLog, not timed here.
func TestFakeKubeletLargeLog(t *testing.T) {
	k, client := newTestKubelet(t)
	lines := largeLog()
	k.SetLog("ns", "big", "c", lines)
	if _, body := fetch(t, k, client, "/containerLogs/ns/big/c?tailLines=2"); body != "line 099998\nline 099999\n" {
		t.Errorf("tailLines: %q", body)
	}
	since := lines[99_997].Time.Format(time.RFC3339)
	if _, body := fetch(t, k, client, "/containerLogs/ns/big/c?sinceTime="+since); body != "line 099997\nline 099998\nline 099999\n" {
		t.Errorf("sinceTime: %q", body)
	}
	_, body := fetch(t, k, client, "/containerLogs/ns/big/c?timestamps=true")
	if n := strings.Count(body, "\n"); n != len(lines) {
		t.Errorf("full log has %d lines, want %d", n, len(lines))
	}
}

// BenchmarkFakeKubeletLargeLog measures the two costs of a 100,000-line
// log: setting it (a copy) and reading its newest 20 lines by sinceTime,
// the way the plugin reads a controller log. The read finds its start by
// binary search; a scan of every line would show here as a jump.
func BenchmarkFakeKubeletLargeLog(b *testing.B) {
	k, client := newTestKubelet(b)
	lines := largeLog()
	b.Run("set", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k.SetLog("ns", "big", "c", lines)
		}
	})
	k.SetLog("ns", "big", "c", lines)
	path := "/containerLogs/ns/big/c?limitBytes=8388608&sinceTime=" + lines[99_980].Time.Format(time.RFC3339)
	fetch(b, k, client, path) // the TLS handshake is not what is measured
	b.Run("read-since", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, body := fetch(b, k, client, path); strings.Count(body, "\n") != 20 {
				b.Fatalf("%d lines, want 20", strings.Count(body, "\n"))
			}
		}
	})
}

func largeLog() []LogLine {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lines := make([]LogLine, 100_000)
	for i := range lines {
		lines[i] = LogLine{Time: base.Add(time.Duration(i) * time.Second), Text: fmt.Sprintf("line %06d", i)}
	}
	return lines
}

func TestFakeKubeletFollow(t *testing.T) {
	k, client := newTestKubelet(t)
	k.SetLog("ns", "pod", "c", []LogLine{{Text: "a"}, {Text: "b"}})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, k.URL()+"/containerLogs/ns/pod/c?follow=true&tailLines=1", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	expect := func(want string) {
		t.Helper()
		got, err := r.ReadString('\n')
		if err != nil || got != want {
			t.Fatalf("read %q (%v), want %q", got, err, want)
		}
	}
	expect("b\n")
	k.AppendLog("ns", "pod", "c", LogLine{Text: "c"})
	expect("c\n")
	k.AppendLog("ns", "pod", "c", LogLine{Text: "d"}, LogLine{Text: "e"})
	expect("d\n")
	expect("e\n")
	// SetLog replaces the log: followers start over with the new lines.
	k.SetLog("ns", "pod", "c", []LogLine{{Text: "rotated"}})
	expect("rotated\n")

	// The stream ends when the client goes away... Checked on the server's
	// side: whether the client's read then says EOF or "context canceled"
	// depends on a race inside net/http.
	if n := k.following.Load(); n != 1 {
		t.Fatalf("%d follow streams open, want 1", n)
	}
	cancel()
	_, _ = io.ReadAll(r)
	for deadline := time.Now().Add(5 * time.Second); k.following.Load() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("follow stream still open on the kubelet 5s after the client cancelled")
		}
	}

	// ...when limitBytes is reached...
	resp2, err := client.Get(k.URL() + "/containerLogs/ns/pod/c?follow=true&limitBytes=3")
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	done := make(chan string)
	go func() { b, _ := io.ReadAll(resp2.Body); done <- string(b) }()
	k.AppendLog("ns", "pod", "c", LogLine{Text: "xyz"})
	select {
	case got := <-done:
		if got != "rot" {
			t.Errorf("follow with limitBytes: %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Error("follow with limitBytes=3 did not end")
	}

	// ...or when the kubelet closes.
	resp3, err := client.Get(k.URL() + "/containerLogs/ns/pod/c?follow=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp3.Body.Close()
	go func() { b, _ := io.ReadAll(resp3.Body); done <- string(b) }()
	time.Sleep(50 * time.Millisecond)
	k.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("follow did not end when the kubelet closed")
	}
}

// TestFakeKubeletConcurrent exercises appends during reads (run with -race).
func TestFakeKubeletConcurrent(t *testing.T) {
	k, client := newTestKubelet(t)
	k.SetLog("ns", "pod", "c", nil)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				k.AppendLog("ns", "pod", "c", LogLine{Text: fmt.Sprintf("%d-%d", i, j)})
			}
		})
		wg.Go(func() {
			for range 10 {
				if _, _, err := get(k, client, "/containerLogs/ns/pod/c?tailLines=5"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	_, body := fetch(t, k, client, "/containerLogs/ns/pod/c")
	if n := bytes.Count([]byte(body), []byte("\n")); n != 200 {
		t.Errorf("%d lines, want 200", n)
	}
}

func TestPrefixWriter(t *testing.T) {
	var buf bytes.Buffer
	w := &prefixWriter{mu: &sync.Mutex{}, w: &buf, prefix: "etcd | "}
	for _, s := range []string{"hel", "lo\nwor", "ld\n\n"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := buf.String(), "etcd | hello\netcd | world\netcd | \n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
