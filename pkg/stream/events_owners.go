package stream

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// backupKey names a backup across both API groups.
type backupKey struct{ group, namespace, name string }

// owners is the set of UIDs whose events are shown: the Backups, and the
// Jobs and Pods on the owner chain Backup -> Job -> Pod. The chain is
// resolved when an event is matched, not when an object arrives, because
// the informers of the three kinds deliver in no common order (a Pod may
// be known before its Job).
type owners struct {
	mu      sync.Mutex
	backups map[types.UID]backupKey
	// parents of each labelled Job and Pod (their ownerReferences' UIDs).
	parents map[types.UID][]types.UID
}

func newOwners() *owners {
	return &owners{backups: map[types.UID]backupKey{}, parents: map[types.UID][]types.UID{}}
}

func (o *owners) setBackup(uid types.UID, b backupKey) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.backups[uid] = b
}

func (o *owners) setChild(uid types.UID, refs []metav1.OwnerReference) {
	p := make([]types.UID, len(refs))
	for i, r := range refs {
		p[i] = r.UID
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.parents[uid] = p
}

func (o *owners) remove(uid types.UID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.backups, uid)
	delete(o.parents, uid)
}

// maxChain: Pod -> Job -> Backup.
const maxChain = 2

// backupOf is the backup that uid is, or that owns it through its chain.
func (o *owners) backupOf(uid types.UID) (backupKey, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.resolve(uid, maxChain)
}

func (o *owners) resolve(uid types.UID, depth int) (backupKey, bool) {
	if b, ok := o.backups[uid]; ok {
		return b, true
	}
	if depth == 0 {
		return backupKey{}, false
	}
	for _, p := range o.parents[uid] {
		if b, ok := o.resolve(p, depth-1); ok {
			return b, true
		}
	}
	return backupKey{}, false
}
