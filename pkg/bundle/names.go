package bundle

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"sync"
)

// Kinds of names that --redact-names hides, each with its own prefix, so
// a reader still tells a namespace from a bucket.
const (
	NameNamespace = "ns"
	NameBackup    = "backup"
	NameBucket    = "bucket"
	NamePrefix    = "prefix"
)

// Namer hides the names that say whose cluster a bundle comes from
// (namespaces, backups, buckets, prefixes) behind a keyed hash: the same
// name is the same hash everywhere in one bundle, so the files still
// cross-reference, but the key is random per bundle and never written,
// so a hash cannot be turned back into a name by trying candidates.
// A nil *Namer keeps every name.
type Namer struct {
	key []byte
	mu  sync.Mutex
	// names maps each name to its hash; a name met first as one kind
	// keeps that kind's prefix.
	names    map[string]string
	replacer *strings.Replacer // rebuilt when names changes
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
	return &Namer{key: key, names: map[string]string{}}
}

// Hash is name's stand-in: kind, "-" and 10 hex digits of HMAC-SHA256.
func (n *Namer) Hash(kind, name string) string {
	mac := hmac.New(sha256.New, n.key)
	mac.Write([]byte(name))
	return kind + "-" + hex.EncodeToString(mac.Sum(nil))[:10]
}

// Add registers a name to hide; "" is ignored. It returns the stand-in.
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
	n.names[name] = h
	n.replacer = nil
	return h
}

// Name is the stand-in of a registered name (or any name, registering
// it): for file names.
func (n *Namer) Name(kind, name string) string {
	if n == nil {
		return name
	}
	return n.Add(kind, name)
}

// Replace puts the stand-in for every registered name wherever it occurs
// in s, as text: names inside longer names (a backup's name in its Job's
// and Pod's names) are replaced too. The longest names are replaced
// first, so a name that holds another keeps its own stand-in.
func (n *Namer) Replace(s string) string {
	if n == nil {
		return s
	}
	return n.currentReplacer().Replace(s)
}

func (n *Namer) currentReplacer() *strings.Replacer {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.replacer == nil {
		names := make([]string, 0, len(n.names))
		for k := range n.names {
			names = append(names, k)
		}
		sort.Slice(names, func(i, j int) bool {
			if len(names[i]) != len(names[j]) {
				return len(names[i]) > len(names[j])
			}
			return names[i] < names[j]
		})
		pairs := make([]string, 0, 2*len(names))
		for _, k := range names {
			pairs = append(pairs, k, n.names[k])
		}
		n.replacer = strings.NewReplacer(pairs...)
	}
	return n.replacer
}
