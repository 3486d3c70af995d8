package e2e

import (
	"net"
	"testing"
	"time"
)

// A server that accepts connections and never answers: the command must
// give up within --request-timeout with one line, not hang.
func TestSilentServerFailsWithinRequestTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	start := time.Now()
	r := plugin(t, "investigate", "tidb/nightly", "--server", "https://"+ln.Addr().String(), "--insecure-skip-tls-verify", "--request-timeout", "2s")
	elapsed := time.Since(start)
	if r.code == 0 {
		t.Fatal("exit 0 against a silent server")
	}
	assertOneLineError(t, r.stderr, "within 2s")
	if elapsed > 8*time.Second {
		t.Errorf("took %s with --request-timeout 2s", elapsed)
	}
}
