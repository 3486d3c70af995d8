package backup

import (
	"strconv"
	"strings"
	"time"
)

// tsoPhysicalShift: a TiDB TSO keeps physical milliseconds above 18 logical bits.
const tsoPhysicalShift = 18

// CheckpointTime converts status.logCheckpointTs (a decimal TSO) to wall
// time. ok is false when the field is empty, zero or not a number.
func CheckpointTime(tso string) (t time.Time, ok bool) {
	v, err := strconv.ParseUint(strings.TrimSpace(tso), 10, 64)
	if err != nil || v == 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(v >> tsoPhysicalShift)).UTC(), true
}

// TSOFromTime is the inverse, used to build fixtures and test data.
func TSOFromTime(t time.Time) string {
	return strconv.FormatUint(uint64(t.UnixMilli())<<tsoPhysicalShift, 10)
}
