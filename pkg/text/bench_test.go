package text

import (
	"strings"
	"testing"
)

const dirtyLine200 = "\x1b[31m2024/05/01 12:00:00.123\x1b[0m [ERROR] [backup.go:123] \u202e[\"backup failed\"]\u202c [error=\"rpc error: code = Unavailable\r\n desc = \xff\xfe transport\"] \x1b]8;;http://x\x07link\x1b]8;;\x07 zero\u200bwidth 中文"

func BenchmarkClean(b *testing.B) {
	for _, c := range []struct{ name, s string }{{"clean", cleanLine200}, {"dirty", dirtyLine200}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				sink = Clean(c.s)
			}
		})
	}
}

func BenchmarkOneLine(b *testing.B) {
	for _, c := range []struct{ name, s string }{{"clean", cleanLine200}, {"dirty", dirtyLine200}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				sink = OneLine(c.s)
			}
		})
	}
}

func BenchmarkRedact(b *testing.B) {
	secret := `Get "https://admin:hunter2@proxy:3128/api?token=abc": Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig`
	for _, c := range []struct{ name, s string }{{"clean", cleanLine200}, {"secret", secret}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				sink = Redact(c.s)
			}
		})
	}
}

func BenchmarkCut(b *testing.B) {
	s := strings.Repeat(cleanLine200, 5000) // 1 MB
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		sink = Cut(s, 4096)
	}
}

func BenchmarkLongLine(b *testing.B) {
	chunk := []byte(strings.Repeat(cleanLine200, 20)) // 4 kB
	l := NewLongLine(16 << 10)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		l.Write(chunk)
	}
	sink = l.String()
}
