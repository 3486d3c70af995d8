package text

import (
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		// Nothing to take out.
		{"", ""},
		{"backup failed: rpc error", "backup failed: rpc error"},
		{"https://host/path?x=1&y=2", "https://host/path?x=1&y=2"},
		{"https://user@host/path", "https://user@host/path"},
		{"dial tcp 10.0.0.1:443: connect: connection refused", "dial tcp 10.0.0.1:443: connect: connection refused"},
		{"mail admin@example.com", "mail admin@example.com"},
		{"the bearer token has expired", "the bearer token has expired"},
		{"invalid bearer token.", "invalid bearer token."},
		{"basic auth failed", "basic auth failed"},
		{"a basic backup", "a basic backup"},
		{`WWW-Authenticate: Bearer realm="kubernetes"`, `WWW-Authenticate: Bearer realm="kubernetes"`},
		{"[start-key=7480000000000000ff] [key=abc]", "[start-key=7480000000000000ff] [key=abc]"},

		// URL userinfo, any scheme, inside a message, quoted.
		{"https://user:secret@host", "https://user:xxxxx@host"},
		{"https://user:secret@host:8443/p?q=1", "https://user:xxxxx@host:8443/p?q=1"},
		{`Get "https://admin:hunter2@proxy.example:3128/api": EOF`, `Get "https://admin:xxxxx@proxy.example:3128/api": EOF`},
		{"s3 endpoint 'http://minio:minio123@minio.svc:9000' unreachable", "s3 endpoint 'http://minio:xxxxx@minio.svc:9000' unreachable"},
		{"postgres://u:p@ss@db/x", "postgres://u:xxxxx@db/x"},
		{"socks5h://:pw@h", "socks5h://:xxxxx@h"},
		{"https://u:@h", "https://u:xxxxx@h"},
		{"a https://a:b@c and https://d:e@f", "a https://a:xxxxx@c and https://d:xxxxx@f"},
		{"(proxyURL=http://u:p%40ss@host)", "(proxyURL=http://u:xxxxx@host)"},

		// Query parameters.
		{"https://h/p?token=abc123&x=1", "https://h/p?token=xxxxx&x=1"},
		{"GET /apis?access_token=eyJhbGci.x.y HTTP/1.1", "GET /apis?access_token=xxxxx HTTP/1.1"},
		{"?password=p&passwd=q&secret=r&key=s&signature=t&sig=u", "?password=xxxxx&passwd=xxxxx&secret=xxxxx&key=xxxxx&signature=xxxxx&sig=xxxxx"},
		{"https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101%2Fus-east-1&X-Amz-Signature=deadbeef#frag",
			"https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=xxxxx&X-Amz-Signature=xxxxx#frag"},
		{"https://a.blob.core.windows.net/c?sv=2020&sig=abc%3D\"", "https://a.blob.core.windows.net/c?sv=2020&sig=xxxxx\""},
		{"s3://bucket/prefix?access-key=AKIA&secret-access-key=abc/def", "s3://bucket/prefix?access-key=xxxxx&secret-access-key=xxxxx"},
		{"?TOKEN=A", "?TOKEN=xxxxx"},
		{"?token=&x=1", "?token=&x=1"},
		{"?tokens=a&mykey=b", "?tokens=a&mykey=b"},

		// Authorization headers.
		{"Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig", "Authorization: Bearer xxxxx"},
		{"authorization: bearer abc", "authorization: bearer xxxxx"},
		{"Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic xxxxx"},
		{`{"Authorization":"Bearer abc","X":1}`, `{"Authorization":"Bearer xxxxx","X":1}`},
		{"map[Authorization:[Bearer abc] Accept:[*/*]]", "map[Authorization:[Bearer xxxxx] Accept:[*/*]]"},
		{`Authorization: Digest username="u", response="6629fae4"`, `Authorization: Digest xxxxx`},
		{"Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=abc\nnext line", "Authorization: AWS4-HMAC-SHA256 xxxxx\nnext line"},
		{"Authorization: s3cr3t", "Authorization: xxxxx"},
		{"Authorization=token ghp_abc", "Authorization=token xxxxx"},

		// Bearer and Basic anywhere.
		{"using Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig for the call", "using Bearer xxxxx for the call"},
		{"Bearer abc-def", "Bearer xxxxx"},
		{"bearer abcdefghijklmnopqrstuvwxyz", "bearer xxxxx"},
		{"Bearer sha256~abcdef.", "Bearer xxxxx."},
		{"Basic dXNlcjpwYXNz", "Basic xxxxx"},
		{"Basic dXNlcjpwYXNzd29yZA==,", "Basic xxxxx,"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
}

// TestRedactLinear guards against time that grows faster than the input.
func TestRedactLinear(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("a://", 200000),
		strings.Repeat("x:", 200000) + "@",
		strings.Repeat("?token=", 100000),
		strings.Repeat("bearer ", 100000),
		strings.Repeat("Authorization: ", 50000),
		strings.Repeat("https://u:p", 100000),
	} {
		start := time.Now()
		Redact(s)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Redact of %d bytes took %v", len(s), d)
		}
	}
}

// FuzzRedactURL builds a message around a URL with a password and checks
// that exactly the password is replaced.
func FuzzRedactURL(f *testing.F) {
	f.Add("https", "user", "secret", "host:8443")
	f.Add("s3", "", "p@ss:w'o\"rd", "minio.svc")
	f.Add("socks5h", "a.b", "", "h")
	f.Fuzz(func(t *testing.T, scheme, user, pass, host string) {
		if !validScheme(scheme) ||
			strings.ContainsAny(user, " \t\n\r\v\f/?#@:\"'<>`\u0085\u00a0") ||
			strings.ContainsAny(pass, " \t\n\r\v\f/?#\u0085\u00a0") ||
			strings.ContainsFunc(host, func(r rune) bool { return !(r == '.' || r == ':' || r == '-' || isAlnum(byte(r)) && r < 0x80) }) {
			t.Skip()
		}
		msg := `Get "` + scheme + "://" + user + ":" + pass + "@" + host + `/api": EOF`
		want := `Get "` + scheme + "://" + user + ":xxxxx@" + host + `/api": EOF`
		if got := Redact(msg); got != want {
			t.Fatalf("Redact(%q)\n = %q\nwant %q", msg, got, want)
		}
	})
}

func validScheme(s string) bool {
	if s == "" || !(s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '+' && s[i] != '.' && s[i] != '-' {
			return false
		}
	}
	return true
}

// FuzzRedact checks that the quick scan in Redact never skips an
// expression that would have matched, and that Redact is stable.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"https://user:secret@host", "?token=abc&key=k", "Authorization: Bearer abc",
		"Bearer abc-def", "Basic dXNlcjpwYXNz", `Authorization: Digest username="u"`,
		"?toKen=a", "baſic dXNlcjpwYXNz", "x://a:b@c?sig=1 bearer 12345678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Redact(s)
		if want := redact(s, wantAll); got != want {
			t.Fatalf("Redact(%q) = %q, all expressions give %q", s, got, want)
		}
		if lookFor(s) == 0 && got != s {
			t.Fatalf("Redact(%q) = %q changed text with nothing to redact", s, got)
		}
	})
}
