package text

import (
	"encoding/base64"
	"regexp"
	"strings"
)

// Redacted is what Redact puts in place of a credential, as net/url's
// URL.Redacted does for a password.
const Redacted = "xxxxx"

// queryNames are the query parameters that carry credentials (OAuth, AWS,
// GCS and Azure presigned URLs, BR storage URLs), in lower case, and
// those of bareNames after ? or & (a form body, a query string).
var queryNames = append([]string{"token", "access_token", "refresh_token", "id_token", "client_secret",
	"password", "passwd", "pwd", "secret", "key", "api_key", "apikey", "signature", "sig",
	"x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
	"x-goog-credential", "access-key", "secret-access-key", "session-token", "account-key", "sas-token",
	"access_key", "secret_access_key", "secret-key", "secret_key", "session_token",
	"aws_secret_access_key", "aws_session_token"}, bareNames...)

// awsNames may also have blanks around the =, as in ~/.aws/credentials.
var awsNames = []string{"aws_secret_access_key", "aws_session_token"}

// tokenHeaders are the header names, besides Authorization and
// Proxy-Authorization, whose value is a single token, in lower case.
var tokenHeaders = []string{"x-auth-token", "x-api-key", "x-access-token", "x-vault-token",
	"x-amz-security-token", "private-token"}

// cookieHeaders have a value that runs to the end of the line.
var cookieHeaders = []string{"set-cookie", "cookie"}

// ci turns words into alternatives for a regular expression that match
// them in any ASCII case, and only in ASCII: (?i) would also take the
// Kelvin sign for k and the long s for s, which lookFor does not see.
func ci(words ...string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte('|')
		}
		for _, c := range []byte(w) {
			if 'a' <= c && c <= 'z' {
				b.WriteString("[" + string(c-'a'+'A') + string(c) + "]")
			} else {
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
	}
	return b.String()
}

const (
	bq = "`"

	// headerSep is what comes between a header name and its value in a
	// header dump, JSON (also JSON inside a quoted string, \"name\":\"),
	// or a Go header map (name:[value]).
	headerSep = `\\?["']?[ \t]*[:=][ \t]*\[?[ \t]*`

	// tokenValue is one token that stops at a blank, a quote, a bracket,
	// a comma or a semicolon, and does not end in a backslash (which would
	// escape the quote after it).
	tokenValue = `(?:[^\s"'\]},;\\]|\\+[^\s"'\]},;\\])+`

	// quotedChar is a character of a JSON string, escapes whole.
	quotedChar = `(?:[^"\\\r\n]|\\[^\r\n])`

	// nestedChar is a character of a JSON string inside a JSON string
	// (\"a\\\"b\" for a"b), escapes whole: the string ends at \" alone.
	nestedChar = `(?:[^"\\\r\n]|\\[^"\\\r\n]|\\\\(?:[^"\\\r\n]|\\[^\r\n]))`

	// bareValue is the value of name=value: the next string of a list
	// (["--password=", "x"]), quoted ("…", '…', or \"…\" inside a quoted
	// string) or up to a blank, a quote,
	// ] ) } , ; & or a colon that ends it (": connection refused").
	bareValue = `(?:",[ \t]*"(` + quotedChar + `+)|"(` + quotedChar + `+)|'([^'\r\n]+)|\\"(` + nestedChar + `+)|` +
		`((?:[^\s"'\]),;&}:\\]|[:\\]+[^\s"'\]),;&}:\\])+))`

	// b64url is a character of base64url.
	b64url = `[A-Za-z0-9_\-]`

	// hostPattern is a DNS name or an IPv4 address, an IPv6 address in
	// brackets, or a Go MySQL DSN address (tcp(host:port)), with a port.
	// The DSN form comes first: RE2 keeps the first alternative that
	// completes a match, and "tcp" alone is a DNS name.
	hostPattern = `(?:(?:[Tt][Cc][Pp][46]?|[Uu][Nn][Ii][Xx]|[Uu][Dd][Pp])\([^\s()]*\)|` +
		`[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9][A-Za-z0-9\-]*)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?`

	// cookieName is a cookie's name (an RFC 6265 token) and its =: a
	// Cookie or Set-Cookie value starts with one, prose after "cookie:"
	// does not.
	cookieName = `[A-Za-z0-9!#$%&*+\-.^_|~]+=`

	// keyWord is what may come before one of keyNames in a key.
	keyWord = `[A-Za-z0-9_.\-]*`
)

var (
	// scheme://user:password@ — the password runs to the last @ before
	// the end of the authority, as net/url reads it, and may hold quotes
	// (a quote after the URL is not followed by an @ in the same word).
	userinfoRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:"'<>` + bq + `]*:([^\s/?#]*)@`)

	// ?name=value or &name=value for the names in queryNames; the value
	// stops at ] or } (not allowed in a URL unencoded: [url=https://...])
	// and does not end in a colon ("?token=x: connection refused") or a
	// backslash (a URL in a quoted string: \"https://h/?token=x\").
	queryRE = regexp.MustCompile(`[?&](?:` + ci(queryNames...) + `)=((?:[^&#\s"'<>` + bq + `\]}:\\]|[:\\]+[^&#\s"'<>` + bq + `\]}:\\])+)`)

	// Authorization: <scheme> <credentials> in a header dump, JSON or a
	// Go header map. Group 1: the token after a single-token scheme;
	// group 2: the parameters after a scheme that has several (quoted
	// strings included, up to the end of the line or an unpaired quote or
	// a closing bracket); group 3: a value with no known scheme.
	// "Proxy-Authorization" matches too (\b after the hyphen).
	authRE = regexp.MustCompile(`\b(?:` + ci("authorization") + `)` + headerSep + `\\?["']?[ \t]*(?:` +
		`(?:` + ci("bearer", "basic", "token", "apikey", "api-key") + `)[ \t]+(` + tokenValue + `)|` +
		`(?:` + ci("digest", "negotiate", "ntlm", "aws4-hmac-sha256", "hoba", "mutual", "scram-sha-1", "scram-sha-256", "vapid", "dpop", "gnap", "privatetoken", "concealed", "oauth", "hmac") + `)[ \t]+((?:"[^"\r\n]*"|[^\r\n"'\]}` + bq + `])+)|` +
		`(` + tokenValue + `))`)

	// X-Auth-Token: <token> and the other tokenHeaders (group 1), and
	// Cookie: or Set-Cookie: name=<anything> to the end of the line, a
	// closing bracket or an unpaired quote (groups 2 to 5: in double
	// quotes, in \" inside a quoted string, in single quotes, or not
	// quoted).
	headerRE = regexp.MustCompile(`\b(?:` + ci(tokenHeaders...) + `)` + headerSep + `\\?["']?[ \t]*(` + tokenValue + `)|` +
		`\b(?:` + ci(cookieHeaders...) + `)` + headerSep + `(?:"(` + cookieName + quotedChar + `*)|\\"(` + cookieName + nestedChar + `*)|` +
		`'(` + cookieName + `(?:[^'\\\r\n]|\\[^'\r\n])*)|` +
		`(` + cookieName + `(?:"[^"\r\n]*"|'[^'\r\n]*'|[^\r\n"'\]}\\]|\\[^"\r\n])*))`)

	// "key": "value" for the keys in jsonKeys (group 1), and the same
	// inside a JSON string, \"key\": \"value\" (group 2); the value keeps
	// its escapes to its closing quote, so the JSON stays valid.
	jsonRE = regexp.MustCompile(`"` + keyWord + `(?:` + ci(keyNames...) + `)"\s*:\s*"(` + quotedChar + `+)|` +
		`\\"` + keyWord + `(?:` + ci(keyNames...) + `)\\"\s*:\s*\\"(` + nestedChar + `+)`)

	// key: value in YAML for the keys of jsonRE, the key first on its
	// line (an item of a list too), the value quoted (groups 1, 2) or one
	// word (group 3), not a block scalar, an alias or a flow collection.
	yamlRE = regexp.MustCompile(`(?m)^[ \t]*(?:-[ \t]+)?` + keyWord + `(?:` + ci(keyNames...) + `)[ \t]*:[ \t]+` +
		`(?:"(` + quotedChar + `+)"|'([^'\r\n]+)'|([^\s"'#|>&*!\[{]\S*))`)

	// --name value: a flag and its value with a blank between them
	// (quoted: group 1, 2; bare: group 3, not a flag, not ending in a
	// backslash), or the next string of a list ("--password", "x";
	// group 4). credentialFlag checks the name.
	flagRE = regexp.MustCompile(`(?:^|[\s"'\[(,=])--?[A-Za-z][A-Za-z0-9._\-]*(?:[ \t]+(?:'([^'\r\n]+)'|"([^"\r\n]+)"|` +
		`([^\s"'\]\\\-](?:[^\s"'\]\\]|\\+[^\s"'\]\\])*))|",[ \t]*"(` + quotedChar + `+))`)

	// mysql's -pPASSWORD (no blank: "-p x" asks for the password and
	// names database x), only in a mysql command line: elsewhere -p is a
	// port, a path or a profile.
	// Quoted arguments may come before -p (-e "select 1"), and the
	// password may be quoted (-p'x'); the command ends at ; | & (a shell's
	// next command: "mysql started; then -phase" is prose).
	mysqlRE = regexp.MustCompile(`(?:^|[\s"'/=])(?:` + ci("mysql") + `)[A-Za-z]*[ \t](?:(?:[^\r\n"';|&]|"[^"\r\n]*"|'[^'\r\n]*')*?[ \t])?-p` +
		`(?:'([^'\r\n]+)'|"([^"\r\n]+)"|([^\s"'\\\-](?:[^\s"'\\]|\\+[^\s"'\\])*))`)

	// name = value with blanks around the = (TOML, ini, ~/.my.cnf) for
	// the names in bareNames at the start of a word; a value that starts
	// with = (token == nil) is a comparison.
	spacedRE = regexp.MustCompile(`(?:^|[\s\[({,;"'])(?:` + ci(bareNames...) + `)[ \t]+=[ \t]*` + bareValue)

	// A PEM private key's body, up to its END line or the end of the text.
	pemRE = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\s*(\S[\s\S]*?)\s*(?:-----END|\z)`)

	// name=value URL-encoded (password%3Dx, ?secret%2Daccess%2Dkey=x)
	// for queryNames and bareNames; urlEncoded checks that something in
	// the name or its = is encoded (the plain forms are queryRE's and
	// bareRE's). The value stops at & or %26.
	urlEncRE = regexp.MustCompile(`(?:^|[\s?&=;,"'\[(]|%26|%3[Ff])(?:` + encoded(append(queryNames[:len(queryNames):len(queryNames)], bareNames...)...) + `)(?:=|%3[Dd])` +
		`((?:[^%&#\s"'<>\]}]|%(?:[013-9A-Fa-f][0-9A-Fa-f]|2[0-57-9A-Fa-f]))+)`)

	// An environment variable written as text: JSON {"name":"X","value":"v"}
	// (groups 1, 2: also inside a JSON string) and Go's %+v of an EnvVar
	// {Name:X Value:v ValueFrom:nil} (group 3), X a credential's name.
	envRE = regexp.MustCompile(`"[Nn]ame"\s*:\s*"` + keyWord + `(?:` + ci(keyNames...) + `)"\s*,\s*"[Vv]alue"\s*:\s*"(` + quotedChar + `+)|` +
		`\\"[Nn]ame\\"\s*:\s*\\"` + keyWord + `(?:` + ci(keyNames...) + `)\\"\s*,\s*\\"[Vv]alue\\"\s*:\s*\\"(` + nestedChar + `+)|` +
		`\bName:` + keyWord + `(?:` + ci(keyNames...) + `)[ \t]+Value:([^\s{}\[\]]+)`)

	// "key": "value" inside a JSON string inside a JSON string
	// (\\\"key\\\": \\\"value\\\"): the value ends at three backslashes
	// and a quote; a quote of its own has seven.
	deepJSONRE = regexp.MustCompile(`\\\\\\"` + keyWord + `(?:` + ci(keyNames...) + `)\\\\\\"\s*:\s*\\\\\\"((?:[^"\\\r\n]|\\+[^"\\\r\n]|\\{4,}")+)`)

	// A YAML list item that is a credential's flag alone, and the next
	// item, its value (- --password / - x); yamlListFlag checks the flag.
	yamlListRE = regexp.MustCompile(`(?m)^[ \t]*-[ \t]+["']?--?[A-Za-z][A-Za-z0-9._\-]*["']?[ \t]*\r?\n[ \t]*-[ \t]+` +
		`(?:"(` + quotedChar + `+)"|'([^'\r\n]+)'|([^\s"'][^\r\n]*))`)

	// A YAML block scalar under a credential's key (password: |); its
	// lines are found by redactBlocks.
	yamlBlockRE = regexp.MustCompile(`(?m)^([ \t]*(?:-[ \t]+)?)` + keyWord + `(?:` + ci(keyNames...) + `)[ \t]*:[ \t]*[|>][-+0-9]*[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\z)`)

	// name=value for the names in bareNames at the start of a word (of
	// the text, or after a blank, [ ( { , ; . = - _ or a quote: --password=,
	// --s3.secret-access-key=, TIDB_PASSWORD=); aws_* names also with
	// blanks around =.
	bareRE = regexp.MustCompile(`(?:^|[\s\[({,;.=\-_"'])(?:(?:` + ci(bareNames...) + `)=|(?:` + ci(awsNames...) + `)[ \t]*=[ \t]*)` + bareValue)

	// Bearer <token68>, the token not ending in a full stop. An = is
	// taken anywhere in it, not only at the end as in token68, so that
	// the rest of a word after an = is not left to the next pass.
	bearerRE = regexp.MustCompile(`\b(?:` + ci("bearer") + `)[ \t]+([A-Za-z0-9\-._~+/=]*[A-Za-z0-9\-_~+/=])`)

	// Basic <base64>.
	basicRE = regexp.MustCompile(`\b(?:` + ci("basic") + `)[ \t]+([A-Za-z0-9+/]+={0,2})`)

	// A JWT (JWS or JWE): base64url segments joined by dots, the first
	// (a JSON header) starting with eyJ, three at least of 10 characters
	// or more, not inside a longer word.
	jwtRE = regexp.MustCompile(`(?:^|[^A-Za-z0-9_\-])(eyJ` + b64url + `{7,}\.` + b64url + `{10,}\.` + b64url + `{10,}(?:\.` + b64url + `+)*)`)

	// user:password@host with no scheme (--server admin:pw@10.0.0.1:1,
	// a Go MySQL DSN root:pw@tcp(tidb:4000)/db), as a whole word: at the
	// start of the text or after a blank or a quote, the user without a
	// slash, and what follows the host checked by hostEnd.
	bareUserinfoRE = regexp.MustCompile(`(?:^|[\s"'])[^\s"'/@:]+:([^\s/]+)@` + hostPattern)

	// An AWS access key id anywhere: AKIA (a user's key) or ASIA (a
	// session's) and 16 capital letters or digits, as a whole word
	// (wordEnd checks what follows). The id alone is no secret, but it
	// names the account and the key, so a shared log must not carry it.
	awsKeyIDRE = regexp.MustCompile(`(?:^|[^A-Za-z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})`)
)

// Redact takes credentials out of free text (an error message from a
// webhook or a proxy, a log line) before it is printed:
//
//   - the password in the userinfo of a URL of any scheme, wherever the
//     URL is in the text: "https://user:secret@host" becomes
//     "https://user:xxxxx@host" (as net/url's URL.Redacted);
//   - the password in user:password@host with no scheme, when it is a
//     whole word and host is a DNS name, an IP address or a Go MySQL DSN
//     address, with an optional port ("--server admin:xxxxx@10.0.0.1:1",
//     "root:xxxxx@tcp(tidb:4000)/test"); not after mailto:, sip:, sips:,
//     xmpp: or tel:;
//   - the value of the query parameters in queryNames after ? or &
//     (token, access_token, password, key, signature, X-Amz-Signature,
//     ...; names in any ASCII case), up to &, #, a blank, a quote, ] or
//     }, and not ending in a colon ("?token=xxxxx: connection refused");
//   - the credentials of an Authorization or Proxy-Authorization header
//     ("Authorization: Bearer xxxxx", "Authorization: Digest xxxxx",
//     "Authorization: xxxxx"), and the value of the headers X-Auth-Token,
//     X-Api-Key, X-Access-Token, X-Vault-Token, X-Amz-Security-Token and
//     Private-Token (one token) and Cookie and Set-Cookie (to the end of
//     the line, a closing bracket or an unpaired quote), as a header
//     line, in JSON or in a Go header map;
//   - the string value of the JSON keys in jsonKeys (token, password,
//     secret, access_token, refresh_token, client_secret, apiKey,
//     api_key, secretAccessKey, secret_access_key, sessionToken,
//     privateKey, ...; any ASCII case, any white space around the colon), also
//     inside a JSON string (\"password\":\"xxxxx\"); escapes are kept
//     whole, so the JSON stays valid;
//   - name=value for the names in bareNames (password, passwd, pwd,
//     token, secret, access_key, access-key, secret_access_key,
//     secret-access-key, secret_key, secret-key, session_token,
//     session-token, access_token, refresh_token, client_secret, api_key,
//     apikey, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; any ASCII case) at
//     the start of a word, flags (--password=xxxxx) included, the value
//     quoted or up to a blank, a quote, ] ) } , ; & or a colon before a
//     blank; never key= alone;
//   - a token after "Bearer " anywhere, when it looks like one (it has a
//     character other than a letter, or is 20 letters or more, so the
//     prose "bearer token" stays);
//   - the value after "Basic " anywhere when it is base64 for
//     "user:password";
//   - a JWT anywhere: base64url segments joined by dots, the first
//     starting with eyJ, three at least 10 characters long;
//   - an AWS access key id anywhere (AKIA or ASIA and 16 capital
//     letters or digits, a whole word);
//   - name = value with blanks around the = (TOML, ini) for the same
//     names, and name=value URL-encoded (password%3Dx,
//     secret%2Daccess%2Dkey=x);
//   - BR's --crypter.key and --log.crypter.key (a credential's name);
//   - the body of a PEM private key, up to its END line or the end of
//     the text (Carry does it for a log read line by line);
//   - mysql's -p'x' and -px after quoted arguments, up to ; | or &;
//   - an environment variable's value as JSON ({"name":"X","value":"v"})
//     or Go's %+v ({Name:X Value:v}) when X is a credential's name;
//   - a YAML block scalar under a credential's key (password: |) and the
//     list item after a credential's flag alone (- --password, - x).
//
// A Secret object's name under a key that names one (tlsSecret:
// backup-tls, --tls-secret=backup-tls) is kept: see notSecretRef.
//
// Each credential becomes Redacted ("xxxxx"); the rest of the text is kept
// byte for byte, and Redact(Redact(s)) == Redact(s): the expressions run
// again while the text changes, a bounded number of times. Redact works
// on raw text, before Clean or OneLine, and should come before Cut: a
// secret split by a cut is not recognised. It runs in linear time (Go regular
// expressions); a quick scan first picks the expressions that can match,
// and s is returned as it is, without allocating, when none can.
func Redact(s string) string { return redactFix(s, lookFor) }

// maxPasses bounds the passes of redactFix. A pass only repeats when the
// one before replaced something, and in practice one or two more settle
// it; the bound keeps Redact linear whatever the text.
const maxPasses = 6

// redactFix runs the expressions that scan selects, again and again while
// the text changes: a value replaced by one expression can make a match
// for one that ran before it ("&sig=:<admin:@h", where the userinfo
// password "<admin:" held the < that ended the query value).
func redactFix(s string, scan func(string) int) string {
	for range maxPasses {
		want := scan(s)
		if want == 0 {
			return s
		}
		r := redact(s, want)
		if r == s {
			return s
		}
		s = r
	}
	return s
}

// rules are the expressions of Redact in the order they run, each with
// the bit of lookFor that selects it and the check (if any) that a match
// must pass.
var rules = []struct {
	want int
	re   *regexp.Regexp
	ok   func(s string, start, end, matchEnd int) bool
	fn   func(s string) string // in place of re, when set
}{
	// First: the others could take a piece of its body.
	{wantPEM, pemRE, nil, nil},
	{wantUserinfo, userinfoRE, nil, nil},
	// Before the others: a password may hold what they match ("?a=",
	// "cookie:"), and they could take its @host away.
	{wantBareUserinfo, bareUserinfoRE, hostEnd, nil},
	{wantQuery, queryRE, nil, nil},
	{wantURLEnc, urlEncRE, urlEncoded, nil},
	{wantAuth, authRE, nil, nil},
	{wantHeader, headerRE, nil, nil},
	{wantJSON, envRE, nil, nil},
	{wantJSON, jsonRE, notSecretRef, nil},
	{wantJSON, deepJSONRE, nil, nil},
	{wantEnvGo, envRE, nil, nil},
	{wantYAML, nil, nil, redactBlocks},
	{wantYAML, yamlRE, yamlValue, nil},
	{wantBare, bareRE, notSecretRef, nil},
	{wantBare, spacedRE, spacedValue, nil},
	{wantFlag, flagRE, credentialFlag, nil},
	{wantFlag, yamlListRE, yamlListFlag, nil},
	{wantMySQL, mysqlRE, nil, nil},
	{wantBearer, bearerRE, bearerToken, nil},
	{wantBasic, basicRE, basicCredentials, nil},
	{wantJWT, jwtRE, nil, nil},
	{wantAWSKeyID, awsKeyIDRE, wordEnd, nil},
}

// redact runs the expressions of Redact that want selects (wantAll: all).
func redact(s string, want int) string {
	for _, r := range rules {
		switch {
		case want&r.want == 0:
		case r.fn != nil:
			s = r.fn(s)
		default:
			s = replaceGroups(s, r.re, r.ok)
		}
	}
	return s
}

// replaceGroups replaces, in each match of re, the first submatch that
// took part with Redacted, when ok (if given) accepts it; ok sees s and
// the submatch's and the whole match's bounds.
func replaceGroups(s string, re *regexp.Regexp, ok func(s string, start, end, matchEnd int) bool) string {
	ms := re.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last, changed := 0, false
	for _, m := range ms {
		for g := 2; g+1 < len(m); g += 2 {
			start, end := m[g], m[g+1]
			if start < 0 {
				continue
			}
			if s[start:end] == Redacted || ok != nil && !ok(s, start, end, m[1]) {
				break
			}
			if !changed {
				b.Grow(len(s))
				changed = true
			}
			b.WriteString(s[last:start])
			b.WriteString(Redacted)
			last = end
			break
		}
	}
	if !changed {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// bearerToken tells a token after "Bearer" from a word of prose, and
// leaves an auth-param (Bearer realm="x") alone.
func bearerToken(s string, start, end, matchEnd int) bool {
	v := s[start:end]
	if strings.HasSuffix(v, "=") && matchEnd < len(s) && s[matchEnd] == '"' {
		return false
	}
	if len(v) >= 20 {
		return true
	}
	for i := 0; i < len(v); i++ {
		if c := v[i] | 0x20; c < 'a' || c > 'z' {
			return true
		}
	}
	return false
}

// basicCredentials accepts base64 that decodes to user:password.
func basicCredentials(s string, start, end, matchEnd int) bool {
	if matchEnd < len(s) && (isAlnum(s[matchEnd]) || strings.IndexByte("-._~", s[matchEnd]) >= 0) {
		return false // a longer word, not base64
	}
	v := s[start:end]
	d, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		d, err = base64.RawStdEncoding.DecodeString(v)
	}
	return err == nil && strings.IndexByte(string(d), ':') >= 0
}

// hostEnd accepts user:password@host when the host ends the word: what
// follows is the end of the text, a blank, a quote, / ? , ; ) ] } >, or
// . or : before a blank or the end; and the user is not a URI scheme
// that takes no //, as in mailto:someone@example.com.
func hostEnd(s string, start, end, matchEnd int) bool {
	if matchEnd < len(s) {
		switch c := s[matchEnd]; c {
		case ' ', '\t', '\n', '\r', '\f', '"', '\'', '/', '?', ',', ';', ')', ']', '}', '>':
		case '.', ':':
			if matchEnd+1 < len(s) && !isSpace(s[matchEnd+1]) {
				return false
			}
		default:
			return false
		}
	}
	u := start - 1 // the colon after the user
	for u > 0 && !isSpace(s[u-1]) && s[u-1] != '"' && s[u-1] != '\'' {
		u--
	}
	switch strings.ToLower(s[u : start-1]) {
	case "mailto", "sip", "sips", "xmpp", "tel":
		return false
	}
	return true
}

// wordEnd accepts a match that no letter or digit follows.
func wordEnd(s string, start, end, matchEnd int) bool {
	return matchEnd == len(s) || !isAlnum(s[matchEnd])
}

// isSpace is \s of Go regular expressions.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

const (
	wantUserinfo = 1 << iota
	wantQuery
	wantAuth
	wantHeader
	wantJSON
	wantBare
	wantBearer
	wantBasic
	wantJWT
	wantBareUserinfo
	wantAWSKeyID
	wantYAML
	wantFlag
	wantMySQL
	wantPEM
	wantURLEnc
	wantEnvGo
	wantAll = 1<<iota - 1
)

// The first or last bytes of the names lookFor looks for, in both cases.
var (
	queryFirst  = nameBytes(queryNames, 0)
	keyLast     = nameBytes(keyNames, -1)
	headerFirst = nameBytes(tokenHeaders, 0)
	bareLast    = nameBytes(append(bareNames[:len(bareNames):len(bareNames)], awsNames...), -1)
)

// nameBytes is the set of the bytes at i (-1: the last) of names, in
// both cases.
func nameBytes(names []string, i int) (t [256]bool) {
	for _, n := range names {
		c := n[(i+len(n))%len(n)]
		t[c] = true
		if 'a' <= c && c <= 'z' {
			t[c-'a'+'A'] = true
		}
	}
	return t
}

// scanBytes are the bytes that lookFor looks at.
var scanBytes = func() (t [256]bool) {
	for _, c := range []byte(" \t\n\r\f@:?&=\"aAbBcCxXpPemM-%") {
		t[c] = true
	}
	return t
}()

// lookFor is a quick scan for what each expression of Redact needs to
// match, so that only those that can match run. It may say yes to an
// expression that then finds nothing, never no to one that would match.
func lookFor(s string) int {
	want, at, scheme := 0, false, false
	lastSpace, lastColon := -1, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !scanBytes[c] {
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r', '\f':
			lastSpace = i
		case '@':
			at = true
			if lastColon > lastSpace {
				want |= wantBareUserinfo
			}
		case ':':
			lastColon = i
			scheme = scheme || strings.HasPrefix(s[i:], "://")
			if i >= 5 && s[i-5:i] == "Value" {
				want |= wantEnvGo
			}
			if want&wantYAML == 0 && keyBefore(s[:i], true) {
				want |= wantYAML
			}
		case '?', '&':
			if want&wantQuery == 0 && nameAt(s[i+1:], queryNames, &queryFirst, "=") {
				want |= wantQuery
			}
		case '=':
			if want&wantBare == 0 && bareNameBefore(s, i) {
				want |= wantBare
			}
		case '"':
			if want&wantJSON == 0 && keyBefore(strings.TrimRight(s[:i], `\`), false) {
				want |= wantJSON
			}
		case 'b', 'B':
			if hasPrefixFold(s[i:], "bearer") && blankAt(s, i+6) {
				want |= wantBearer
			} else if hasPrefixFold(s[i:], "basic") && blankAt(s, i+5) {
				want |= wantBasic
			}
		case 'a', 'A':
			if hasPrefixFold(s[i:], "authorization") {
				want |= wantAuth
			}
			if c == 'A' && (strings.HasPrefix(s[i:], "AKIA") || strings.HasPrefix(s[i:], "ASIA")) {
				want |= wantAWSKeyID
			}
		case 'c', 'C':
			if hasPrefixFold(s[i:], "cookie") {
				want |= wantHeader
			}
		case 'x', 'X', 'p', 'P':
			if want&wantHeader == 0 && nameAt(s[i:], tokenHeaders, &headerFirst, "") {
				want |= wantHeader
			}
		case 'e':
			if strings.HasPrefix(s[i:], "eyJ") {
				want |= wantJWT
			}
		case 'm', 'M':
			if hasPrefixFold(s[i:], "mysql") {
				want |= wantMySQL
			}
		case '%':
			if i+2 < len(s) && (s[i+1] == '3' && s[i+2]|0x20 == 'd' || s[i+1] == '2' && s[i+2]|0x20 == 'd' || s[i+1] == '5' && s[i+2]|0x20 == 'f') {
				want |= wantURLEnc
			}
		case '-':
			if want&wantPEM == 0 && strings.HasPrefix(s[i:], "-----BEGIN ") {
				want |= wantPEM
			}
			if want&wantFlag == 0 && (i == 0 || strings.IndexByte(" \t\n\r\f\"'[(,=", s[i-1]) >= 0) && credentialFlagAt(s[i:]) {
				want |= wantFlag
			}
		}
	}
	if at && scheme {
		want |= wantUserinfo
	}
	return want
}

// blankAt tells whether s[i] is a space or a tab.
func blankAt(s string, i int) bool { return i < len(s) && (s[i] == ' ' || s[i] == '\t') }

// nameAt tells whether s starts with one of names (lower case, matched in
// any ASCII case) followed by after; first holds their first bytes.
func nameAt(s string, names []string, first *[256]bool, after string) bool {
	if len(s) == 0 || !first[s[0]] {
		return false
	}
	for _, name := range names {
		if hasPrefixFold(s, name) && strings.HasPrefix(s[len(name):], after) {
			return true
		}
	}
	return false
}

// bareNameBefore tells whether the = at s[i] ends name= for a name in
// bareNames at the start of a word as bareRE reads it (or aws_...[ \t]*=).
func bareNameBefore(s string, i int) bool {
	if i > 0 && bareLast[s[i-1]] && hasNameBefore(s[:i], bareNames) {
		return true
	}
	j := i
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	return j < i && j > 0 && bareLast[s[j-1]] && hasNameBefore(s[:j], bareNames)
}

// hasNameBefore tells whether s ends with one of names (in any ASCII
// case) after the start of s or a byte that starts a word for bareRE.
func hasNameBefore(s string, names []string) bool {
	for _, name := range names {
		n := len(s) - len(name)
		if n >= 0 && hasPrefixFold(s[n:], name) && (n == 0 || strings.IndexByte(" \t\n\r\f[({,;.=-_\"'", s[n-1]) >= 0) {
			return true
		}
	}
	return false
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case; prefix is lower
// case ASCII.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// keyBefore tells whether s ends with one of keyNames (in any ASCII
// case), blanks after it skipped when blanks is set (YAML's key :).
func keyBefore(s string, blanks bool) bool {
	if blanks {
		s = strings.TrimRight(s, " \t")
	}
	if s == "" || !keyLast[s[len(s)-1]] {
		return false
	}
	for _, name := range keyNames {
		if n := len(s) - len(name); n >= 0 && hasPrefixFold(s[n:], name) {
			return true
		}
	}
	return false
}

// isFlagChar is a byte of a flag's name as flagRE reads it.
func isFlagChar(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '-' }

// credentialFlagAt tells whether s starts with a flag that names a
// credential followed by what flagRE takes before its value.
func credentialFlagAt(s string) bool {
	j := 1
	if j < len(s) && s[j] == '-' {
		j++
	}
	if j >= len(s) || !isAlnum(s[j]) || s[j] <= '9' {
		return false
	}
	k := j
	for k < len(s) && isFlagChar(s[k]) {
		k++
	}
	if !blankAt(s, k) && !strings.HasPrefix(s[k:], `",`) && !lineEndAt(s, k) {
		return false
	}
	return CredentialName(s[:k])
}

// credentialFlag accepts the value of a flagRE match when the flag before
// it names a credential (--password, --s3.secret-access-key).
func credentialFlag(s string, start, end, matchEnd int) bool {
	k := start
	for k > 0 && strings.IndexByte(" \t\"',", s[k-1]) >= 0 {
		k--
	}
	j := k
	for j > 0 && isFlagChar(s[j-1]) {
		j--
	}
	return CredentialName(s[j:k])
}

// yamlValue is yamlScalar and notSecretRef.
func yamlValue(s string, start, end, matchEnd int) bool {
	return yamlScalar(s, start, end, matchEnd) && notSecretRef(s, start, end, matchEnd)
}

// yamlScalar leaves a YAML key whose value is a boolean or null
// (automountServiceAccountToken: true), not a credential, and a header's
// value that a rule before took out ("X-Api-Key: xxxxx;").
func yamlScalar(s string, start, end, matchEnd int) bool {
	if strings.HasPrefix(s[start:end], Redacted) {
		return false
	}
	switch strings.ToLower(s[start:end]) {
	case "true", "false", "null", "~", "yes", "no":
		return false
	}
	return true
}

// lineEndAt tells whether s[k] ends a line, a quote before it included
// (a YAML list item "--password" alone on its line).
func lineEndAt(s string, k int) bool {
	if k < len(s) && (s[k] == '"' || s[k] == '\'') {
		k++
	}
	for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
		k++
	}
	return k < len(s) && (s[k] == '\n' || s[k] == '\r')
}

// encoded turns names into alternatives for a regular expression, as
// ci does, where '-' and '_' may also be URL-encoded (%2D, %5F).
func encoded(names ...string) string {
	alts := strings.Split(ci(names...), "|")
	for i, a := range alts {
		a = strings.ReplaceAll(a, "-", `(?:-|%2[Dd])`)
		alts[i] = strings.ReplaceAll(a, "_", `(?:_|%5[Ff])`)
	}
	return strings.Join(alts, "|")
}

// urlEncoded accepts a urlEncRE match whose = is %3D or whose name holds
// a %: the plain name=value is left to queryRE and bareRE, which know
// where a name may start (BR logs [key=...] for ordinary keys).
func urlEncoded(s string, start, end, matchEnd int) bool {
	if start >= 3 && strings.EqualFold(s[start-3:start], "%3D") {
		return true
	}
	for k := start - 2; k >= 0 && (isAlnum(s[k]) || s[k] == '%' || s[k] == '-' || s[k] == '_'); k-- {
		if s[k] == '%' {
			return true
		}
	}
	return false
}

// spacedValue leaves name == value, a comparison.
func spacedValue(s string, start, end, matchEnd int) bool {
	return s[start] != '=' && notSecretRef(s, start, end, matchEnd)
}

// yamlListFlag accepts the value of a yamlListRE match when the flag on
// the line before names a credential.
func yamlListFlag(s string, start, end, matchEnd int) bool {
	k := start
	for k > 0 && s[k-1] != '\n' {
		k--
	}
	if k == 0 {
		return false
	}
	k-- // the \n
	for k > 0 && strings.IndexByte(" \t\r\"'", s[k-1]) >= 0 {
		k--
	}
	j := k
	for j > 0 && isFlagChar(s[j-1]) {
		j--
	}
	return CredentialName(s[j:k])
}

// notSecretRef leaves the name of a Secret object under a key that names
// one (tlsSecret: backup-tls, "tokenSecret":"tidb-token",
// --tls-secret=backup-tls): the key ends in Secret or -secret after
// another word, and the value is a Kubernetes object name with a hyphen
// and a part that is not hexadecimal, which a generated credential rarely
// is (a UUID or a hex key is hidden). A lone "secret" key, an upper-case
// one (AWS_SECRET=) or any other value stays hidden.
func notSecretRef(s string, start, end, matchEnd int) bool {
	if !objectName(s[start:end]) {
		return true
	}
	k := start
	for k > 0 && strings.IndexByte(" \t:=\"'\\", s[k-1]) >= 0 {
		k--
	}
	j := k
	for j > 0 && isFlagChar(s[j-1]) {
		j--
	}
	key := strings.TrimLeft(s[j:k], "-")
	n := len(key) - len("secret")
	if n < 2 {
		return true
	}
	switch {
	case key[n:] == "Secret" && (key[n-1] >= 'a' && key[n-1] <= 'z' || key[n-1] >= '0' && key[n-1] <= '9'):
		return false
	case key[n:] == "secret" && key[n-1] == '-' && strings.ToLower(key) == key:
		return false
	}
	return true
}

// objectName tells a Kubernetes object name (lower case letters, digits,
// '-' and '.', at most 253 bytes) with a '-' and a part between '-' that
// has a letter past f.
func objectName(v string) bool {
	if len(v) == 0 || len(v) > 253 || !strings.Contains(v, "-") || v[0] == '-' || v[len(v)-1] == '-' {
		return false
	}
	word := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'g' && c <= 'z':
			word = true
		case c >= 'a' && c <= 'f', c >= '0' && c <= '9', c == '-', c == '.':
		default:
			return false
		}
	}
	return word
}

// redactBlocks hides the lines of a YAML block scalar under a
// credential's key (yamlBlockRE): every line after the key's that is
// blank or indented past the key. Each line is looked at once.
func redactBlocks(s string) string {
	ms := yamlBlockRE.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if m[0] < last {
			continue // inside a block already hidden
		}
		col := m[3] - m[2]
		at := m[1]
		for at < len(s) {
			eol := strings.IndexByte(s[at:], '\n')
			if eol < 0 {
				eol = len(s)
			} else {
				eol += at
			}
			line := strings.TrimRight(s[at:eol], "\r")
			body := strings.TrimLeft(line, " \t")
			if body != "" && len(line)-len(body) <= col {
				break
			}
			if body != "" && body != Redacted {
				b.WriteString(s[last : at+len(line)-len(body)])
				b.WriteString(Redacted)
				last = at + len(line)
			}
			at = eol + 1
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
