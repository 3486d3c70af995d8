package text

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
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

		// AWS access key ids, as whole words only.
		{"using key AKIAIOSFODNN7EXAMPLE for s3", "using key xxxxx for s3"},
		{`{"AccessKeyID":"ASIAY34FZKBOKMUTVV7A"}`, `{"AccessKeyID":"xxxxx"}`},
		{"id=AKIAIOSFODNN7EXAMPLE,next", "id=xxxxx,next"},
		{"AKIAIOSFODNN7EXAMPLE", "xxxxx"},
		{"XAKIAIOSFODNN7EXAMPLE", "XAKIAIOSFODNN7EXAMPLE"},
		{"AKIAIOSFODNN7EXAMPLE1", "AKIAIOSFODNN7EXAMPLE1"},
		{"AKIAshort and akiaiosfodnn7example", "AKIAshort and akiaiosfodnn7example"},

		// BR's own JSON spellings of S3 credentials.
		{`{"access-key":"AKIAX","secret-access-key":"S3CR3T","session-token":"T0K"}`, `{"access-key":"xxxxx","secret-access-key":"xxxxx","session-token":"xxxxx"}`},

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

		// A query value ends before a colon that ends a clause.
		{`Get "https://h/x?token=SEKRIT: connection refused`, `Get "https://h/x?token=xxxxx: connection refused`},
		{"?token=SEKRIT: connection refused", "?token=xxxxx: connection refused"},
		{"?token=a:b:c&x=1", "?token=xxxxx&x=1"},
		{"?token=abc:", "?token=xxxxx:"},
		{"[storage=s3://b/p?endpoint=http://minio:9000&access-key=AK&secret-access-key=SK] [task=x]",
			"[storage=s3://b/p?endpoint=http://minio:9000&access-key=xxxxx&secret-access-key=xxxxx] [task=x]"},
		{"map[url:https://h/?sig=abc]", "map[url:https://h/?sig=xxxxx]"},
		{`{"url":"https://h/?sig=abc\"}`, `{"url":"https://h/?sig=xxxxx\"}`},

		// Proxy-Authorization and the other header lines.
		{"Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: Basic xxxxx"},
		{"proxy-authorization: Bearer abc", "proxy-authorization: Bearer xxxxx"},
		{"X-Auth-Token: gAAAAABk-token", "X-Auth-Token: xxxxx"},
		{"x-api-key: k1 rejected", "x-api-key: xxxxx rejected"},
		{"X-API-KEY:k1", "X-API-KEY:xxxxx"},
		{"X-Vault-Token: hvs.CAES; retry", "X-Vault-Token: xxxxx; retry"},
		{"Private-Token: glpat-abc", "Private-Token: xxxxx"},
		{"Cookie: session=abc; theme=dark\nnext line", "Cookie: xxxxx\nnext line"},
		{"Set-Cookie: id=a3fWa; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure", "Set-Cookie: xxxxx"},
		{`cookie: a="b c"; d=e`, "cookie: xxxxx"},
		{`{"Cookie":"a=b; c=d","X":1}`, `{"Cookie":"xxxxx","X":1}`},
		{`{"Set-Cookie":["a=b"]}`, `{"Set-Cookie":["xxxxx"]}`},
		{`{"Cookie":"a=\"b c\"; d=e"}`, `{"Cookie":"xxxxx"}`},
		{`[error="{\"Cookie\":\"a=\\\"b\\\"\"}"]`, `[error="{\"Cookie\":\"xxxxx\"}"]`},
		{"map[Cookie:[a=b] X-Api-Key:[k] Accept:[*/*]]", "map[Cookie:[xxxxx] X-Api-Key:[xxxxx] Accept:[*/*]]"},
		{`[error="{\"X-Auth-Token\":\"abc\",\"n\":1}"]`, `[error="{\"X-Auth-Token\":\"xxxxx\",\"n\":1}"]`},
		{`[error="{\"Authorization\":\"s3cr3t\"}"]`, `[error="{\"Authorization\":\"xxxxx\"}"]`},

		// JSON fields.
		{`{"token": "abc"}`, `{"token": "xxxxx"}`},
		{`{"password":"hunter2","user":"root"}`, `{"password":"xxxxx","user":"root"}`},
		{`{"secret" :  "s"}`, `{"secret" :  "xxxxx"}`},
		{"{\"token\":\t\"abc\"}", "{\"token\":\t\"xxxxx\"}"},
		{`{"access_token":"a","refresh_token":"b","client_secret":"c"}`, `{"access_token":"xxxxx","refresh_token":"xxxxx","client_secret":"xxxxx"}`},
		{`{"apiKey":"k","api_key":"k2","APIKEY":"k3"}`, `{"apiKey":"xxxxx","api_key":"xxxxx","APIKEY":"xxxxx"}`},
		{`{"secretAccessKey":"a","secret_access_key":"b","sessionToken":"c","privateKey":"-----BEGIN KEY-----\nMII"}`,
			`{"secretAccessKey":"xxxxx","secret_access_key":"xxxxx","sessionToken":"xxxxx","privateKey":"xxxxx"}`},
		{`{"Password":"a\"b\\c\u0022","n":1}`, `{"Password":"xxxxx","n":1}`},
		{`{"password":"ends in backslash\\"}`, `{"password":"xxxxx"}`},
		{`[error="{\"password\":\"a\\\"b\"}"]`, `[error="{\"password\":\"xxxxx\"}"]`},
		{`{"password":""}`, `{"password":""}`},
		{`{"password": null, "token": 42}`, `{"password": null, "token": 42}`},
		{`{"secret": {"name": "s3-creds"}}`, `{"secret": {"name": "s3-creds"}}`},
		{`{"secretName":"s3-creds","tokenTTL":"1h","key":"k"}`, `{"secretName":"s3-creds","tokenTTL":"1h","key":"k"}`},
		{`{"kind":"token","name":"password"}`, `{"kind":"token","name":"password"}`},

		// name=value outside a URL.
		{"login password=hunter2 user=root", "login password=xxxxx user=root"},
		{"[passwd=abc] (pwd=abc) {token=abc}", "[passwd=xxxxx] (pwd=xxxxx) {token=xxxxx}"},
		{"a,token=abc,b;secret=s;c", "a,token=xxxxx,b;secret=xxxxx;c"},
		{`"access_key=AKIA" 'secret_access_key=abc/def+g'`, `"access_key=xxxxx" 'secret_access_key=xxxxx'`},
		{"access-key=AK secret-access-key=SK", "access-key=xxxxx secret-access-key=xxxxx"},
		{"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG AWS_SESSION_TOKEN=FwoGZX== AWS_REGION=us-east-1",
			"AWS_SECRET_ACCESS_KEY=xxxxx AWS_SESSION_TOKEN=xxxxx AWS_REGION=us-east-1"},
		{"aws_secret_access_key = wJalrXUtnFEMI\naws_access_key_id = AKIA", "aws_secret_access_key = xxxxx\naws_access_key_id = AKIA"},
		{"br --password=hunter2 --s3.secret-access-key=abc --log-level=info", "br --password=xxxxx --s3.secret-access-key=xxxxx --log-level=info"},
		{"user=a&password=b&c=d", "user=a&password=xxxxx&c=d"},
		{`[password="a b c"] [user=root]`, `[password="xxxxx"] [user=root]`},
		{`[password="a\"b"]`, `[password="xxxxx"]`},
		{"[password='a b']", "[password='xxxxx']"},
		{`[error="login with password=\"abc\" failed"]`, `[error="login with password=\"xxxxx\" failed"]`},
		{`[error="login with password=\"a\\\"b\" failed"]`, `[error="login with password=\"xxxxx\" failed"]`},
		{"token=SEKRIT: connection refused", "token=xxxxx: connection refused"},
		{"password=a:b@c", "password=xxxxx"},
		{"password=p@ss:w0rd!#%", "password=xxxxx"},
		{"PASSWORD=a Token=b", "PASSWORD=xxxxx Token=xxxxx"},

		// JWTs.
		{"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U expired",
			"token xxxxx expired"},
		{`{"id":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlXzEy"}`, `{"id":"xxxxx"}`},
		{"jwe eyJhbGciOiJSU0EtT0FFUCJ9.OKOawDo13gRp2oja.48V1_ALb6US04U3b.5eym8TW_c8SuK0lt.XFBoMYUZodetZdvTiFvSkQ.",
			"jwe xxxxx."},
		{"(eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlXzEy)", "(xxxxx)"},

		// user:password@host with no scheme.
		{"--server admin:hunter2@127.0.0.1:1", "--server admin:xxxxx@127.0.0.1:1"},
		{"admin:hunter2@db.example.com", "admin:xxxxx@db.example.com"},
		{`dial "root:p@ss@tidb.svc:4000" failed`, `dial "root:xxxxx@tidb.svc:4000" failed`},
		{"dsn root:pw@tcp(127.0.0.1:4000)/test?charset=utf8", "dsn root:xxxxx@tcp(127.0.0.1:4000)/test?charset=utf8"},
		{"connect admin:pw@[::1]:4000: connection refused", "connect admin:xxxxx@[::1]:4000: connection refused"},
		{"reach admin:pw@db.example.com. Retrying", "reach admin:xxxxx@db.example.com. Retrying"},
		{"--server=admin:pw@h:1", "--server=admin:xxxxx@h:1"},

		// Not credentials.
		{"the bearer token expired", "the bearer token expired"},
		{"password policy: at least 8 characters", "password policy: at least 8 characters"},
		{"the token has expired; the secret is missing", "the token has expired; the secret is missing"},
		{"invalid cookie: see the docs", "invalid cookie: see the docs"},
		{"cookie: none; set-cookie: (empty)", "cookie: none; set-cookie: (empty)"},
		{"X-Api-Key header missing", "X-Api-Key header missing"},
		{cleanBRLine, cleanBRLine},
		{`[2024/05/01 09:00:01.123 +00:00] [INFO] [key=7480000000000000ff5f72] [task=logstream] [progress=41.2%]`,
			`[2024/05/01 09:00:01.123 +00:00] [INFO] [key=7480000000000000ff5f72] [task=logstream] [progress=41.2%]`},
		{"[key=abc] [end-key=def] [mytoken=a] [tokens=5] [secretName=s3] [token-ttl=1h] [password_policy=strict]",
			"[key=abc] [end-key=def] [mytoken=a] [tokens=5] [secretName=s3] [token-ttl=1h] [password_policy=strict]"},
		{"[token=] password= token", "[token=] password= token"},
		{"--token abc --password hunter2", "--token xxxxx --password xxxxx"},
		{"cluster tidb/nightly:4000 and tidb/nightly:foo@bar", "cluster tidb/nightly:4000 and tidb/nightly:foo@bar"},
		{"ns/name:foo@bar", "ns/name:foo@bar"},
		{"mail user@example.com or mailto:bob@example.com", "mail user@example.com or mailto:bob@example.com"},
		{"image busybox:1.36@sha256:abcdef0123 and pingcap/br:v7.5.0@sha256:abcdef", "image busybox:1.36@sha256:abcdef0123 and pingcap/br:v7.5.0@sha256:abcdef"},
		{"at 09:00:01.123 NS/NAME:port", "at 09:00:01.123 NS/NAME:port"},
		{"eyJhbGciOi.short.x and keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlXzEy", "eyJhbGciOi.short.x and keyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlXzEy"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
		if got := Redact(c.want); got != c.want {
			t.Errorf("Redact(%q) = %q, not stable", c.want, got)
		}
		if json.Valid([]byte(c.in)) && !json.Valid([]byte(c.want)) {
			t.Errorf("Redact(%q) = %q is not valid JSON", c.in, c.want)
		}
	}
}

// TestRedactNames holds the lists of names to what bareRE and lookFor
// take for granted.
func TestRedactNames(t *testing.T) {
	in := func(name string, names []string) bool {
		for _, n := range names {
			if n == name {
				return true
			}
		}
		return false
	}
	// After ? or &, queryRE is the one that takes name=value.
	for _, n := range append(bareNames, awsNames...) {
		if !in(n, queryNames) {
			t.Errorf("%q is in bareNames or awsNames, not in queryNames", n)
		}
	}
	for _, names := range [][]string{queryNames, bareNames, awsNames, keyNames, tokenHeaders, cookieHeaders} {
		for _, n := range names {
			if n != strings.ToLower(n) {
				t.Errorf("%q: not lower case", n)
			}
		}
	}
	if in("key", bareNames) || in("key", keyNames) {
		t.Error(`"key" is only a query parameter`)
	}
}

// cleanBRLine is a 200-byte BR log line with nothing to redact, and
// words and punctuation near those of the forms Redact knows.
const cleanBRLine = `[2024/05/01 09:00:01.123 +00:00] [INFO] [client.go:978] ["backup range"] [progress=41.2%] [task=logstream] [key=7480ff5f72] [cluster=tidb/nightly] [addr=basic-tikv-0.tidb.svc:20160] [take=1.2s] [ok=1]`

func BenchmarkRedactClean(b *testing.B) {
	if len(cleanBRLine) != 200 || lookFor(cleanBRLine) != 0 {
		b.Fatalf("cleanBRLine: %d bytes, lookFor %b", len(cleanBRLine), lookFor(cleanBRLine))
	}
	b.SetBytes(int64(len(cleanBRLine)))
	b.ReportAllocs()
	for b.Loop() {
		sink = Redact(cleanBRLine)
	}
}

// TestRedactCleanNoAlloc holds Redact to its fast path.
func TestRedactCleanNoAlloc(t *testing.T) {
	for _, s := range []string{cleanBRLine, cleanLine200} {
		if n := testing.AllocsPerRun(100, func() { sink = Redact(s) }); n != 0 {
			t.Errorf("Redact(%q): %v allocations", s, n)
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
		strings.Repeat(`"token":"`, 30000),
		strings.Repeat(`\"password\":\"\\`, 20000),
		strings.Repeat(" password=", 30000),
		strings.Repeat("password=a:", 30000),
		strings.Repeat(" a:b@", 60000),
		strings.Repeat(" a:b@c:x", 40000),
		" a:" + strings.Repeat("b@", 150000),
		strings.Repeat("eyJaaaaaaaaaa.", 20000),
		strings.Repeat("Cookie: a=", 30000),
		strings.Repeat("X-Auth-Token:", 20000),
		strings.Repeat("&sig=:<admin:@h ", 20000),
		strings.Repeat(" AKIAIOSFODNN7EXAMPL", 20000),
	} {
		start := time.Now()
		Redact(s)
		if d := time.Since(start); d > 5*raceLimit*time.Second {
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
			// user=x... or a JWT for a host is other forms' business.
			strings.ContainsAny(user, " \t\n\r\v\f/?#@:\"'<>`=\u0085\u00a0") || strings.Contains(host, "eyJ") ||
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

// plant is a recognised form of credential with %s for the secret: excl
// lists the bytes the secret may not hold in that form (besides blanks
// unless blank, x and control bytes), enc turns the secret into its text
// there (nil: as it is), and min is its least length.
type plant struct {
	tmpl, excl string
	blank      bool
	enc        func(string) string
	min        int
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }

var plants = []plant{
	{tmpl: `Get "https://admin:%s@proxy.example:3128/api": EOF`, excl: "/?#"},
	{tmpl: `GET /v1/x?a=1&token=%s&b=2 HTTP/1.1`, excl: "&#\"'<>`]}"},
	{tmpl: `GET /o?X-Amz-Signature=%s: connection refused`, excl: "&#\"'<>`]}"},
	{tmpl: "Authorization: Bearer %s", excl: `"'],;}`},
	{tmpl: "Proxy-Authorization: Digest %s", excl: `"'}]` + "`", blank: true},
	{tmpl: "Authorization: Basic %s", enc: func(s string) string { return base64.StdEncoding.EncodeToString([]byte("admin:" + s)) }},
	{tmpl: "retry with Basic %s now", enc: func(s string) string { return base64.StdEncoding.EncodeToString([]byte("u:" + s)) }},
	{tmpl: "using Bearer %s.", excl: "!\"#$%&'()*,:;<=>?@[\\]^`{|}"},
	{tmpl: "X-Auth-Token: %s", excl: `"'],;}`},
	{tmpl: "map[X-Api-Key:[%s] Accept:[*/*]]", excl: `"'],;}`},
	{tmpl: "Cookie: session=%s; theme=dark", excl: `"'}]`, blank: true},
	{tmpl: `{"Set-Cookie":"sid=%s"}`, enc: jsonString, blank: true},
	{tmpl: `{"password": "%s", "user": "root"}`, enc: jsonString, blank: true},
	{tmpl: `{"clientSecret":"%s"}`, enc: jsonString, blank: true},
	{tmpl: `[error="{\"token\":\"%s\"}"]`, enc: func(s string) string { return jsonString(jsonString(s)) }, blank: true},
	{tmpl: "login password=%s user=root", excl: `"'),;&}]`},
	{tmpl: "[secret_access_key=%s]", excl: `"'),;&}]`},
	{tmpl: "run --token=%s --v=2", excl: `"'),;&}]`},
	{tmpl: "AWS_SESSION_TOKEN=%s: denied", excl: `"'),;&}]`},
	{tmpl: `[password="%s"] [user=root]`, enc: jsonString, blank: true},
	{tmpl: `[error="login with pwd=\"%s\" failed"]`, enc: func(s string) string { return jsonString(jsonString(s)) }, blank: true},
	{tmpl: "token eyJhbGciOiJIUzI1NiJ9.%s.c2lnbmF0dXJlMDEyMzQ1 expired", excl: "!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~", min: 10},
	{tmpl: "--server admin:%s@127.0.0.1:4000 --v=2", excl: "/"},
	{tmpl: "dsn root:%s@tcp(tidb:4000)/test", excl: "/"},
	{tmpl: `[cmd="br backup full --password %s --v 2"]`, excl: `"'],\`},
	{tmpl: "exec br --s3.secret-access-key %s", excl: `"'],\`},
	{tmpl: `["--password=", "%s"]`, enc: jsonString, blank: true},
	{tmpl: "AccountName=acme;AccountKey=%s;EndpointSuffix=x", excl: `"'),;&}]`},
	{tmpl: `{"credentialsJson":"%s"}`, enc: jsonString, blank: true},
	{tmpl: "s3:\n  secretAccessKey: %s\n  bucket: b", excl: `"'#|>&*![{`},
	{tmpl: "env TIDB_PASSWORD=%s", excl: `"'),;&}]`},
	{tmpl: "mysql -uroot -p%s test", excl: `"'\`},
}

// plantSecret makes a secret for p from raw: Q7 and Z9 around the bytes of
// raw that p allows, so that no x (the redaction) and no text of p's
// template can form it.
func plantSecret(p plant, raw string) string {
	var b strings.Builder
	b.WriteString("Q7")
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == 'x' || c == 'X' || c > '~' || c < ' ' || c == ' ' && !p.blank || strings.IndexByte(p.excl, c) >= 0 {
			continue
		}
		b.WriteByte(c)
	}
	for b.Len() < p.min-2 {
		b.WriteByte('0')
	}
	b.WriteString("Z9")
	return b.String()
}

// FuzzRedact checks that a secret planted in a recognised form, on a line
// of its own anywhere in random text, is gone from the output; that the
// quick scan in Redact never skips an expression that would have matched;
// and that Redact is stable: Redact(Redact(s)) == Redact(s).
func FuzzRedact(f *testing.F) {
	for i, s := range []string{
		"https://user:secret@host", "?token=abc&key=k", "Authorization: Bearer abc",
		"Bearer abc-def", "Basic dXNlcjpwYXNz", `Authorization: Digest username="u"`,
		"?toKen=a", "baſic dXNlcjpwYXNz", "x://a:b@c?sig=1 bearer 12345678",
		`{"token": "a\"b"}`, `[error="{\"password\":\"a\\\"b\"}"]`, "Cookie: a=b; c=d",
		"X-Auth-Token: abc", "password=abc: x", "[key=abc] [task=logstream]",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlXzEy", "--server admin:pw@127.0.0.1:1",
		"key AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7AZ",
		"br --password x", "a:\n  token: b", `["--token", "c"]`, "mysql -px", "DB_PASS=y", `{"sasToken":"z"}`,
		cleanBRLine,
	} {
		f.Add(s, uint(i), uint8(i), "hunter2")
	}
	f.Fuzz(func(t *testing.T, s string, pos uint, form uint8, raw string) {
		check(t, s)
		p := plants[int(form)%len(plants)]
		secret := plantSecret(p, raw)
		enc := secret
		if p.enc != nil {
			enc = p.enc(secret)
		}
		at := int(pos % uint(len(s)+1))
		in := s[:at] + "\n" + fmt.Sprintf(p.tmpl, enc) + "\n" + s[at:]
		got := check(t, in)
		if strings.Count(got, enc) > strings.Count(s[:at], enc)+strings.Count(s[at:], enc) {
			t.Fatalf("Redact(%q)\n = %q keeps %q", in, got, enc)
		}
	})
}

// check holds Redact(s) to the invariants that need no secret, and
// returns it.
func check(t *testing.T, s string) string {
	t.Helper()
	got := Redact(s)
	if want := redactFix(s, func(string) int { return wantAll }); got != want {
		t.Fatalf("Redact(%q) = %q, all expressions give %q", s, got, want)
	}
	if lookFor(s) == 0 && got != s {
		t.Fatalf("Redact(%q) = %q changed text with nothing to redact", s, got)
	}
	if again := Redact(got); again != got {
		t.Fatalf("Redact(%q) = %q, but Redact of that = %q", s, got, again)
	}
	return got
}
