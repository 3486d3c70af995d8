package tikvmetrics

import "time"

// physicalShift is the width of a TSO's logical part: a TSO is the physical
// time in milliseconds shifted left by 18 bits, plus a logical counter.
const physicalShift = 18

// TSO is the TSO of a time, with a zero logical part: its seconds are
// TSO / 262144000 (1000 << 18), as PingCAP's alert rules compute them.
func TSO(at time.Time) uint64 { return uint64(at.UnixMilli()) << physicalShift }

// TimeOfTSO is the physical time of a TSO, to the millisecond.
func TimeOfTSO(tso uint64) time.Time { return time.UnixMilli(int64(tso >> physicalShift)) }
