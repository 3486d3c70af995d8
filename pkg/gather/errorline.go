package gather

import (
	"bytes"
	"regexp"
)

// What a backup pod's log says an error with. The pod runs the backup
// manager (klog) and br (TiDB's unified log format); either may end with
// Go's or cobra's last words. Each format's level is read where that
// format puts it, so a message that merely mentions an error
// ("[INFO] ... [error=nil]", "retrying after error") is not one.
var (
	// [2026/11/25 09:20:01.532 +00:00] [ERROR] [s3.go:412] ["..."], or a
	// line starting with its level.
	unifiedLevel = regexp.MustCompile(`^(?:\[[^\]]*\] )?\[(?i:error|fatal|panic)\]`)
	// E1125 09:20:01.532123    299 backup.go:123] ... (klog: E, F).
	klogLevel = regexp.MustCompile(`^[EF]\d{4} \d{2}:\d{2}:\d{2}`)
	// 2026-11-25T09:20:01.532Z	ERROR	... (zap's console encoder).
	zapLevel = regexp.MustCompile(`^\S+\t(?:ERROR|DPANIC|PANIC|FATAL)\t`)
	// {"level":"error",...} (zap's JSON encoder, logrus, slog).
	jsonLevel = regexp.MustCompile(`"(?i:level|lvl|severity)"\s*:\s*"(?i:error|fatal|panic|dpanic|critical)"`)
	// time=... level=error msg=... (logfmt).
	logfmtLevel = regexp.MustCompile(`(?:^|\s)(?i:level|lvl)="?(?i:error|fatal|panic|critical)"?(?:\s|$)`)
)

// lastWords start the lines a Go program writes when it dies: a panic,
// the runtime's fatal error, cobra's (and br's) "Error: ...".
var lastWords = [][]byte{[]byte("panic: "), []byte("fatal error: "), []byte("Error: ")}

// IsErrorLine tells a log line (without its kubelet timestamp) that
// reports an error or a fatal condition.
func IsErrorLine(line []byte) bool {
	switch {
	case len(line) == 0:
		return false
	case line[0] == '[':
		// The unified format carries its level in a bracket of its own;
		// anything else in brackets is a message.
		return unifiedLevel.Match(line)
	case line[0] == '{':
		return jsonLevel.Match(line)
	}
	for _, w := range lastWords {
		if bytes.HasPrefix(line, w) {
			return true
		}
	}
	return klogLevel.Match(line) || zapLevel.Match(line) || logfmtLevel.Match(line)
}
