package gather

import "testing"

// The error lines of the formats a backup pod writes, and look-alikes that
// only mention an error.
func TestIsErrorLine(t *testing.T) {
	errs := []string{
		`[2026/11/25 09:20:01.532 +00:00] [ERROR] [s3.go:412] ["failed to put object"] [error="AccessDenied"]`,
		`[2026/11/25 09:20:01.532 +00:00] [FATAL] [main.go:58] ["run br failed"]`,
		`[ERROR] [backup.go:1] ["bare level first"]`,
		`[2026/11/25 09:20:01.532 +00:00] [error] [x.go:1] ["lower case"]`,
		`E1125 09:20:01.532123     299 backup.go:123] backup failed: AccessDenied`,
		`F1125 09:20:01.532123     299 manager.go:77] cannot continue`,
		"2026-11-25T09:20:01.532Z\tERROR\tbackup\tjob failed",
		`{"level":"error","ts":1764062401.5,"msg":"backup failed"}`,
		`{"ts":1, "level": "FATAL", "msg":"x"}`,
		`time=2026-11-25T09:20:01Z level=error msg="backup failed"`,
		`time=2026-11-25T09:20:01Z level="fatal" msg=x`,
		`level=error`,
		`panic: runtime error: invalid memory address or nil pointer dereference`,
		`fatal error: out of memory`,
		`Error: failed to check task exists: AccessDenied: Access Denied`,
	}
	lookAlikes := []string{
		``,
		`[2026/11/25 09:20:01.532 +00:00] [INFO] [client.go:771] ["retry on error"] [error=nil]`,
		`[2026/11/25 09:20:01.532 +00:00] [WARN] [s3.go:412] ["[ERROR] quoted from upstream"]`,
		`[2026/11/25 09:20:01.532 +00:00] [INFO] [error.go:12] ["a file named error.go"]`,
		`[2026/11/25 09:20:01.532 +00:00] [INFO] [x.go:1] ["saw level=error in a message"]`,
		`I1125 09:20:01.532123     299 backup.go:123] Error: retrying, error count 1`,
		`W1125 09:20:01.532123     299 backup.go:123] panic: recovered`,
		`E11 not klog`,
		"2026-11-25T09:20:01.532Z\tINFO\tbackup\terror budget fine",
		`{"level":"info","msg":"level=error is just text","error":"none"}`,
		`time=2026-11-25T09:20:01Z level=info msg="errors=0"`,
		`time=x level=errors msg=plural`,
		`errors: 0`,
		`no error`,
		`  Error: indented, part of a message`,
		`recovered from panic: fine`,
		`Errorf called`,
	}
	for _, l := range errs {
		if !IsErrorLine([]byte(l)) {
			t.Errorf("not taken for an error line: %q", l)
		}
	}
	for _, l := range lookAlikes {
		if IsErrorLine([]byte(l)) {
			t.Errorf("taken for an error line: %q", l)
		}
	}
}
