package bundle

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"

	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Kinds of names that --redact-names hides, each with its own prefix, so
// a reader still tells a namespace from a bucket.
const (
	NameNamespace = "ns"
	NameBackup    = "backup"
	NameBucket    = "bucket"
	NamePrefix    = "prefix"
	NameJob       = "job"
	NamePod       = "pod"
)

// podSuffix is how many random characters the Job controller adds to a
// Pod's generateName; maxGenerateName is how long that generateName may
// be (Kubernetes cuts it so the name stays a 63-character DNS label).
const (
	podSuffix       = 5
	maxGenerateName = 63 - podSuffix
	maxLabel        = 63
	maxSubdomain    = 253
)

// Namer hides the names that say whose cluster a bundle comes from
// (namespaces, backups, buckets, prefixes, and the Jobs and Pods named
// after backups) behind a keyed hash: the same name is the same hash
// everywhere in one bundle, so the files still cross-reference, but the
// key is random per bundle and never written, so a hash cannot be turned
// back into a name by trying candidates.
//
// A name is replaced where it stands as a name, not inside a word: see
// Replace. A nil *Namer keeps every name.
type Namer struct {
	key []byte
	mu  sync.Mutex
	// names maps each name to its hash; a name met first as one kind
	// keeps that kind's prefix.
	names map[string]string
	// generated are Pod generateNames: a segment that is one of them
	// followed by podSuffix characters is a Pod of that Job, even one
	// the bundle never listed (a retry's Pod, deleted since).
	generated map[string]bool
	longest   int // the most segments a registered name spans
}

// NewNamer makes a Namer with a fresh random key.
func NewNamer() (*Namer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return NewNamerWithKey(key), nil
}

// NewNamerWithKey makes a Namer with a given key (tests).
func NewNamerWithKey(key []byte) *Namer {
	return &Namer{key: key, names: map[string]string{}, generated: map[string]bool{}}
}

// Hash is name's stand-in: kind, "-" and 10 hex digits of HMAC-SHA256.
func (n *Namer) Hash(kind, name string) string {
	mac := hmac.New(sha256.New, n.key)
	mac.Write([]byte(name))
	return kind + "-" + hex.EncodeToString(mac.Sum(nil))[:10]
}

// Add registers a name to hide and returns its stand-in; "" is ignored.
// Only a name that can stand in text as a name is looked for by Replace:
// a DNS subdomain, or for a prefix, such subdomains joined by "/". Any
// other string (none the API server returns) still gets a stand-in, for
// file names, but is never searched for, so no character of it can
// widen what Replace matches.
func (n *Namer) Add(kind, name string) string {
	if n == nil || name == "" {
		return name
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if h, ok := n.names[name]; ok {
		return h
	}
	h := n.Hash(kind, name)
	if searchable(kind, name) {
		n.names[name] = h
		n.longest = max(n.longest, segments(name))
	}
	return h
}

// AddGenerated registers a Pod generateName (a Job's name and "-", cut
// to 58 characters): every Pod name made from it is hidden, as a pod.
func (n *Namer) AddGenerated(generateName string) {
	if n == nil || !isSubdomain(generateName) {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.generated[generateName] = true
}

// Name is the stand-in of a name (registering it): for file names.
func (n *Namer) Name(kind, name string) string {
	if n == nil {
		return name
	}
	return n.Add(kind, name)
}

// isNameChar: the characters of a DNS subdomain, which names are.
func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.'
}

// isWordChar: the characters that join with a name into a longer word,
// so that a name is never found inside one: the name's own characters
// and upper case ones, so "tidb" in "tidb-operator" or "ob" in "Job" is
// no name. "/" and "_" join too, as parts: "ns/name" is read part by part
// (see Replace).
func isWordChar(c byte) bool {
	return isNameChar(c) || 'A' <= c && c <= 'Z' || c == '_' || c == '/'
}

// isEscapeLetter: the letters of the escapes JSON, Go and shells write
// for blanks and line ends.
func isEscapeLetter(c byte) bool { return c == 'n' || c == 't' || c == 'r' }

// isSep ends a part inside a word: a subdomain's "." and a path's "/";
// and "_", which names never hold ("POD_CONTAINER").
func isSep(c byte) bool { return c == '.' || c == '/' || c == '_' }

// isSubdomain: a DNS-1123 subdomain (lower case letters, digits, "-" and
// ".", starting and ending with a letter or digit).
func isSubdomain(s string) bool {
	if s == "" || len(s) > maxSubdomain {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return s[0] != '-' && s[0] != '.' && s[len(s)-1] != '.'
}

// searchable: a name Replace can find. A Kubernetes object's name is a
// DNS subdomain, or for a prefix, such subdomains joined by "/"; storage
// allows more in a bucket or a prefix (an upper-case bucket of old S3
// regions, a prefix such as "Team_DB/2024"): see searchableStorage.
func searchable(kind, s string) bool {
	if kind == NameBucket || kind == NamePrefix {
		return searchableStorage(s)
	}
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, "/") {
		if !isSubdomain(part) || strings.HasSuffix(part, "-") {
			return false
		}
	}
	return true
}

// searchableStorage: parts of letters (either case), digits and "-"
// joined by ".", "/" or "_". A name with any other character is never
// searched for, so none can widen a match.
func searchableStorage(s string) bool {
	if s == "" || len(s) > maxSubdomain {
		return false
	}
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isSep(c):
			if start || s[i-1] == '-' {
				return false // an empty part, or one ending in "-"
			}
			start = true
		case c == '-' && start:
			return false
		case isWordChar(c):
			start = false
		default:
			return false
		}
	}
	return !start && s[len(s)-1] != '-'
}

// segments is how many "."- or "/"-separated parts s has.
func segments(s string) int {
	k := 1
	for i := 0; i < len(s); i++ {
		if isSep(s[i]) {
			k++
		}
	}
	return k
}

// Replace puts the stand-in for every registered name where it stands as
// a name in s. Text is cut into words (runs of isWordChar); a name is a
// whole word, or whole "."/"/"-separated parts of one ("tidb-prod" in
// "tidb-prod/nightly" and in "basic-pd.tidb-prod.svc"), never part of a
// "-"-joined word ("tidb" in "tidb-operator"): names that hold a backup's
// name (its Jobs and Pods) are registered themselves. At each part the
// longest name wins, so "tidb-prod/nightly" as a prefix is one stand-in.
func (n *Namer) Replace(s string) string {
	if n == nil {
		return s
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.names) == 0 && len(n.generated) == 0 {
		return s
	}
	out := n.replace(s)
	// A name may stand URL-encoded ("prefix=team%2Fdb1"): the text is
	// decoded for the path characters and searched again; when that finds
	// a name, the decoded text, with its names hidden, is what is kept.
	if strings.Contains(s, "%") {
		if d := pathUnescaper.Replace(s); d != s {
			if hidden := n.replace(d); hidden != d {
				return hidden
			}
		}
	}
	return out
}

// pathUnescaper decodes the percent-escapes of the characters that join
// the parts of names and paths.
var pathUnescaper = strings.NewReplacer("%2F", "/", "%2f", "/", "%3A", ":", "%3a", ":", "%2D", "-", "%2d", "-",
	"%2E", ".", "%2e", ".", "%5F", "_", "%5f", "_", "%40", "@", "%20", " ")

// replace is Replace on text as it is.
func (n *Namer) replace(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isWordChar(s[i]) {
			b.WriteByte(s[i])
			// An escape written as text ("\n", "\t" in a quoted log
			// field) ends a word: its letter is no part of the next one.
			if s[i] == '\\' && i+1 < len(s) && isEscapeLetter(s[i+1]) {
				b.WriteByte(s[i+1])
				i++
			}
			i++
			continue
		}
		j := i
		for j < len(s) && isWordChar(s[j]) {
			j++
		}
		n.replaceWord(&b, s[i:j])
		i = j
	}
	return b.String()
}

// replaceWord writes one word with its names replaced.
func (n *Namer) replaceWord(b *strings.Builder, w string) {
	for i := 0; i < len(w); {
		if isSep(w[i]) {
			b.WriteByte(w[i])
			i++
			continue
		}
		if end, h := n.match(w, i); end > i {
			b.WriteString(h)
			i = end
			continue
		}
		j := i
		for j < len(w) && !isSep(w[j]) {
			j++
		}
		b.WriteString(w[i:j])
		i = j
	}
}

// match finds the longest registered name that spans whole parts of w
// from i; it returns where it ends and its stand-in (end == i: none).
func (n *Namer) match(w string, i int) (int, string) {
	var ends []int
	for j := i; j <= len(w) && len(ends) < max(n.longest, 1); j++ {
		if j == len(w) || isSep(w[j]) {
			ends = append(ends, j)
		}
	}
	for k := len(ends) - 1; k >= 0; k-- {
		if h, ok := n.names[w[i:ends[k]]]; ok {
			return ends[k], h
		}
	}
	if len(ends) > 0 {
		part := w[i:ends[0]]
		if len(part) > podSuffix && n.generated[part[:len(part)-podSuffix]] && isSubdomain(part) {
			// A Pod of a registered Job: registered now, so the same Pod
			// has the same stand-in wherever it is met.
			h := n.Hash(NamePod, part)
			n.names[part] = h
			return ends[0], h
		}
	}
	return i, ""
}

// notNames are the fields whose values are never names, whatever words
// they hold: the types of objects and the images they run
// ("pingcap/tidb-operator" when a namespace is called tidb).
var notNames = map[string]bool{"apiVersion": true, "kind": true, "image": true, "imageID": true}

// ReplaceJSON replaces names in a JSON document's values, in order: keys
// (the schema's own words) and the values of notNames fields are kept.
func (n *Namer) ReplaceJSON(data []byte) ([]byte, error) {
	if n == nil {
		return data, nil
	}
	return output.MapJSONStrings(data, func(key string, _ *text.Carry, s string) string {
		if notNames[key] {
			return s
		}
		return n.Replace(s)
	})
}

// namedKinded is an output kind whose JSON had its names replaced: Print
// encodes it as it is, in its order.
type namedKinded struct {
	apiVersion, kind string
	data             json.RawMessage
}

func (k namedKinded) OutputKind() (string, string) { return k.apiVersion, k.kind }
func (k namedKinded) MarshalJSON() ([]byte, error) { return k.data, nil }
