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
// GCS and Azure presigned URLs, BR storage URLs), in lower case.
var queryNames = []string{"token", "access_token", "refresh_token", "id_token", "client_secret",
	"password", "passwd", "pwd", "secret", "key", "api_key", "apikey", "signature", "sig",
	"x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
	"x-goog-credential", "access-key", "secret-access-key", "session-token", "account-key", "sas-token"}

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

var (
	// scheme://user:password@ — the password runs to the last @ before
	// the end of the authority, as net/url reads it, and may hold quotes
	// (a quote after the URL is not followed by an @ in the same word).
	userinfoRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:"'<>` + "`" + `]*:([^\s/?#]*)@`)

	// ?name=value or &name=value for the names in queryNames.
	queryRE = regexp.MustCompile(`[?&](?:` + ci(queryNames...) + `)=([^&#\s"'<>` + "`" + `]+)`)

	// Authorization: <scheme> <credentials> in a header dump, JSON or a
	// Go header map. Group 1: the token after a single-token scheme;
	// group 2: the parameters after a scheme that has several (quoted
	// strings included, up to the end of the line or an unpaired quote or
	// a closing bracket); group 3: a value with no known scheme.
	authRE = regexp.MustCompile(`\b(?:` + ci("authorization") + `)["']?[ \t]*[:=][ \t]*["'\[]?[ \t]*(?:` +
		`(?:` + ci("bearer", "basic", "token", "apikey", "api-key") + `)[ \t]+([^\s"'\]},;]+)|` +
		`(?:` + ci("digest", "negotiate", "ntlm", "aws4-hmac-sha256", "hoba", "mutual", "scram-sha-1", "scram-sha-256", "vapid", "dpop", "gnap", "privatetoken", "concealed", "oauth", "hmac") + `)[ \t]+((?:"[^"\r\n]*"|[^\r\n"'\]}` + "`" + `])+)|` +
		`([^\s"'\]},;]+))`)

	// Bearer <token68>, the token not ending in a full stop.
	bearerRE = regexp.MustCompile(`\b(?:` + ci("bearer") + `)[ \t]+([A-Za-z0-9\-._~+/]*[A-Za-z0-9\-_~+/]=*)`)

	// Basic <base64>.
	basicRE = regexp.MustCompile(`\b(?:` + ci("basic") + `)[ \t]+([A-Za-z0-9+/]+={0,2})`)
)

// Redact takes credentials out of free text (an error message from a
// webhook or a proxy, a log line) before it is printed:
//
//   - the password in the userinfo of a URL of any scheme, wherever the
//     URL is in the text: "https://user:secret@host" becomes
//     "https://user:xxxxx@host" (as net/url's URL.Redacted);
//   - the value of the query parameters token, access_token,
//     refresh_token, id_token, client_secret, password, passwd, pwd,
//     secret, key, api_key, apikey, signature, sig, X-Amz-Signature,
//     X-Amz-Credential, X-Amz-Security-Token, X-Goog-Signature,
//     X-Goog-Credential, access-key, secret-access-key, session-token,
//     account-key, sas-token (names in any ASCII case, after ? or &);
//   - the credentials of an Authorization header ("Authorization: Bearer
//     xxxxx", "Authorization: Digest xxxxx", "Authorization: xxxxx");
//   - a token after "Bearer " anywhere, when it looks like one (it has a
//     character other than a letter, or is 20 letters or more, so the
//     prose "bearer token" stays);
//   - the value after "Basic " anywhere when it is base64 for
//     "user:password".
//
// Each credential becomes Redacted ("xxxxx"); the rest of the text is kept
// byte for byte. Redact works on raw text, before Clean or OneLine, and
// should come before Cut: a secret split by a cut is not recognised. It
// runs in linear time (Go regular expressions); a quick scan first picks
// the expressions that can match, and s is returned as it is, without
// allocating, when none can.
func Redact(s string) string { return redact(s, lookFor(s)) }

// redact runs the expressions of Redact that want selects (wantAll: all).
func redact(s string, want int) string {
	if want&wantUserinfo != 0 {
		s = replaceGroups(s, userinfoRE, nil)
	}
	if want&wantQuery != 0 {
		s = replaceGroups(s, queryRE, nil)
	}
	if want&wantAuth != 0 {
		s = replaceGroups(s, authRE, nil)
	}
	if want&wantBearer != 0 {
		s = replaceGroups(s, bearerRE, bearerToken)
	}
	if want&wantBasic != 0 {
		s = replaceGroups(s, basicRE, basicCredentials)
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
	if strings.HasSuffix(v, "=") && matchEnd < len(s) && (s[matchEnd] == '"' || isAlnum(s[matchEnd])) {
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

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

const (
	wantUserinfo = 1 << iota
	wantQuery
	wantAuth
	wantBearer
	wantBasic
	wantAll = wantUserinfo | wantQuery | wantAuth | wantBearer | wantBasic
)

// lookFor is a quick scan for what each expression of Redact needs to
// match, so that only those that can match run.
func lookFor(s string) int {
	want, at, scheme := 0, false, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '@':
			at = true
		case ':':
			scheme = scheme || strings.HasPrefix(s[i:], "://")
		case '?', '&':
			if want&wantQuery == 0 {
				for _, name := range queryNames {
					if rest := s[i+1:]; hasPrefixFold(rest, name) && len(rest) > len(name) && rest[len(name)] == '=' {
						want |= wantQuery
						break
					}
				}
			}
		case 'b', 'B':
			if hasPrefixFold(s[i:], "bearer") {
				want |= wantBearer
			} else if hasPrefixFold(s[i:], "basic") {
				want |= wantBasic
			}
		case 'a', 'A':
			if hasPrefixFold(s[i:], "authorization") {
				want |= wantAuth
			}
		}
	}
	if at && scheme {
		want |= wantUserinfo
	}
	return want
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
