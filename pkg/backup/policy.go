package backup

import (
	"strings"
	"time"
)

const policyPath = "spec.backoffRetryPolicy"

// policy reads spec.backoffRetryPolicy. An absent field is the upstream
// default (…IsDefault true); an invalid one is reported, and the default
// is used for the maths without claiming it was chosen (…IsDefault false).
// specReadable is false when spec itself was not an object: then nothing
// is known and nothing is called a default.
func (d *decoder) policy(spec map[string]any, specReadable bool) RetryPolicy {
	p := RetryPolicy{
		MaxRetryTimes: DefaultMaxRetryTimes, MaxRetryTimesDefault: specReadable,
		MinRetryDuration: DefaultMinRetryDuration, MinRetryDurationDefault: specReadable,
		RetryTimeout: DefaultRetryTimeout, RetryTimeoutDefault: specReadable,
	}
	raw := spec["backoffRetryPolicy"]
	if raw == nil {
		return p
	}
	m, ok := raw.(map[string]any)
	if !ok {
		d.bad(policyPath, raw, expObject+"; the defaults are assumed")
		p.MaxRetryTimesDefault, p.MinRetryDurationDefault, p.RetryTimeoutDefault = false, false, false
		return p
	}

	if v := m["maxRetryTimes"]; v != nil {
		p.MaxRetryTimesDefault = false
		switch n, ok := wholeNumber(v); {
		case !ok:
			d.bad(policyPath+".maxRetryTimes", v, assumed(expWhole, DefaultMaxRetryTimes))
		case n < 0:
			d.bad(policyPath+".maxRetryTimes", v, assumed(expNonNeg, DefaultMaxRetryTimes))
		default:
			p.MaxRetryTimes = n
		}
	}
	p.MinRetryDuration, p.MinRetryDurationDefault = d.duration(m, "minRetryDuration", DefaultMinRetryDuration)
	p.RetryTimeout, p.RetryTimeoutDefault = d.duration(m, "retryTimeout", DefaultRetryTimeout)
	return p
}

// duration reads a positive Go duration string; the operator reads these
// fields with time.ParseDuration too.
func (d *decoder) duration(m map[string]any, key string, def Duration) (Duration, bool) {
	v := m[key]
	if v == nil {
		return def, true
	}
	path := policyPath + "." + key
	s, ok := v.(string)
	if !ok {
		d.bad(path, v, assumed(expDuration, def))
		return def, false
	}
	dur, err := time.ParseDuration(strings.TrimSpace(s))
	switch {
	case err != nil:
		d.bad(path, v, assumed(expDuration, def))
	case dur <= 0:
		// Zero or negative would make every retry due at once, or the
		// window closed before it opens: not a policy anyone meant.
		d.bad(path, v, assumed(expPositive, def))
	default:
		return Duration(dur), false
	}
	return def, false
}
