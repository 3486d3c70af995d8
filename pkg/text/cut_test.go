package text

import (
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	long := strings.Repeat("a", 100) + strings.Repeat("z", 100) // 200 bytes
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"", 0, ""},
		{"short", 10, "short"},
		{strings.Repeat("x", 64), 0, strings.Repeat("x", 64)}, // max raised to 64: fits
		{long, 200, long},
		{long, 100, strings.Repeat("a", 25) + "… [100 bytes cut] …" + strings.Repeat("z", 75)},
		{long, 0, strings.Repeat("a", 16) + "… [136 bytes cut] …" + strings.Repeat("z", 48)},
		{long, 199, strings.Repeat("a", 49) + "… [1 byte cut] …" + strings.Repeat("a", 50) + strings.Repeat("z", 100)},
		// 168 bytes, head 16, tail 48: the € across the head edge (bytes
		// 15..17) is dropped whole, and so is the last byte of the other
		// €, which begins the 48-byte tail.
		{strings.Repeat("a", 15) + "€" + strings.Repeat("b", 100) + "€" + strings.Repeat("c", 47), 64,
			strings.Repeat("a", 15) + "… [106 bytes cut] …" + strings.Repeat("c", 47)},
	}
	for _, c := range cases {
		got := Cut(c.in, c.max)
		if got != c.want {
			t.Errorf("Cut(%q, %d) =\n%q, want\n%q", c.in, c.max, got, c.want)
		}
		l := NewLongLine(c.max)
		l.WriteString(c.in)
		if s := l.String(); s != c.want {
			t.Errorf("LongLine(%q, %d) =\n%q, want\n%q", c.in, c.max, s, c.want)
		}
	}
}

func TestCutEdges(t *testing.T) {
	// Every rune length at every head and tail edge offset.
	for _, r := range []string{"é", "€", "🙂"} {
		for pad := 0; pad < 8; pad++ {
			s := strings.Repeat("-", pad) + strings.Repeat(r, 100)
			for _, max := range []int{64, 65, 66, 67, 100, 101} {
				got := Cut(s, max)
				if !utf8.ValidString(got) {
					t.Fatalf("Cut(%q, %d) = %q: not valid UTF-8", s, max, got)
				}
				checkCut(t, s, max, got)
			}
		}
	}
}

// markerRE matches the marker Cut puts between head and tail.
var markerRE = regexp.MustCompile(`… \[(\d+) bytes? cut\] …`)

// checkCut checks out = Cut(s, max) against Cut's contract without using
// its code: out is s when s fits, else a prefix of s, the marker with the
// number of bytes left out, and a suffix of s, each part within its budget
// and short of it by no more than a partial rune.
func checkCut(t *testing.T, s string, max int, out string) {
	t.Helper()
	eff := max
	if eff < 64 {
		eff = 64
	}
	headMax, tailMax := eff/4, eff-eff/4
	if len(s) <= eff {
		if out != s {
			t.Fatalf("Cut(%q, %d) = %q, want it unchanged", s, max, out)
		}
		return
	}
	for _, m := range markerRE.FindAllStringSubmatchIndex(out, -1) {
		head, tail := out[:m[0]], out[m[1]:]
		n, err := strconv.Atoi(out[m[2]:m[3]])
		if err != nil || !strings.HasPrefix(s, head) || !strings.HasSuffix(s, tail) ||
			len(head) > headMax || len(head) < headMax-3 || len(tail) > tailMax || len(tail) < tailMax-3 {
			continue
		}
		if n != len(s)-len(head)-len(tail) {
			t.Fatalf("Cut(%q, %d) = %q: marker says %d bytes cut, %d were", s, max, out, n, len(s)-len(head)-len(tail))
		}
		if (n == 1) != strings.Contains(out[m[0]:m[1]], " byte cut") {
			t.Fatalf("Cut(%q, %d) = %q: wrong plural", s, max, out)
		}
		if marker := out[m[0]:m[1]]; len(out) > eff+len(marker) {
			t.Fatalf("Cut(%q, %d) = %q: %d bytes, more than %d + %d", s, max, out, len(out), eff, len(marker))
		}
		if utf8.ValidString(s) && !(utf8.ValidString(head) && utf8.ValidString(tail)) {
			t.Fatalf("Cut(%q, %d) = %q: split a rune", s, max, out)
		}
		return
	}
	t.Fatalf("Cut(%q, %d) = %q: no head, marker and tail found", s, max, out)
}

func FuzzCut(f *testing.F) {
	for _, s := range cleanSeeds {
		f.Add(s, 0, uint8(40))
		f.Add(s, 70, uint8(7))
	}
	f.Add(strings.Repeat("€", 50), 64, uint8(1))
	f.Add("ab\xff\xfe", 100, uint8(30))
	f.Fuzz(func(t *testing.T, s string, max int, repeat uint8) {
		if max < 0 {
			max = -(max + 1)
		}
		max %= 10001
		s = strings.Repeat(s, int(repeat)%64+1)
		out := Cut(s, max)
		checkCut(t, s, max, out)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("Cut(%q, %d) = %q: not valid UTF-8", s, max, out)
		}
		// Cut and Clean compose either way into something safe.
		checkSafe(t, "Cut∘Clean", s, Cut(Clean(s), max))
		checkSafe(t, "Clean∘Cut", s, Clean(Cut(s, max)))
	})
}

// checkBounds fails if l holds more than its limits allow.
func checkBounds(t *testing.T, l *LongLine) {
	t.Helper()
	if cap(l.head) > l.headMax || cap(l.tail) > l.tailMax {
		t.Fatalf("LongLine buffers have capacity %d and %d, limits %d and %d", cap(l.head), cap(l.tail), l.headMax, l.tailMax)
	}
}

func FuzzLongLine(f *testing.F) {
	for _, s := range cleanSeeds {
		f.Add(s, 0, uint8(40), int64(1))
		f.Add(s, 100, uint8(9), int64(2))
	}
	f.Add(strings.Repeat("🙂", 40), 64, uint8(3), int64(3))
	f.Fuzz(func(t *testing.T, s string, max int, repeat uint8, seed int64) {
		if max < 0 {
			max = -(max + 1)
		}
		max %= 10001
		s = strings.Repeat(s, int(repeat)%64+1)
		want := Cut(s, max)
		rng := rand.New(rand.NewSource(seed))
		l := NewLongLine(max)
		for round := 0; round < 2; round++ { // the second round after Reset
			for rest := s; len(rest) > 0; {
				n := 1 + rng.Intn(min(len(rest), 1+rng.Intn(2*max+130)))
				if rng.Intn(2) == 0 {
					l.Write([]byte(rest[:n]))
				} else {
					l.WriteString(rest[:n])
				}
				rest = rest[n:]
				checkBounds(t, l)
			}
			if got := l.String(); got != want {
				t.Fatalf("LongLine(%q, %d) = %q, Cut gives %q", s, max, got, want)
			}
			if l.Len() != int64(len(s)) {
				t.Fatalf("Len = %d, want %d", l.Len(), len(s))
			}
			if l.Cut() != (want != s) {
				t.Fatalf("Cut() = %v for %q", l.Cut(), s)
			}
			l.Reset()
		}
	})
}

func TestLongLineThreeMegabytes(t *testing.T) {
	const max = 16 << 10
	var b strings.Builder
	for i := 0; b.Len() < 3<<20; i++ {
		b.WriteString("[" + strconv.Itoa(i) + "] région ✓ 🙂 ")
	}
	s := b.String()
	l := NewLongLine(max)
	for i := 0; i < len(s); i += 4093 {
		l.WriteString(s[i:min(i+4093, len(s))])
		checkBounds(t, l)
	}
	got := l.String()
	if got != Cut(s, max) {
		t.Fatal("LongLine and Cut differ")
	}
	checkCut(t, s, max, got)
	if cap(l.head)+cap(l.tail) > max {
		t.Fatalf("buffers hold %d bytes", cap(l.head)+cap(l.tail))
	}
	// Once the buffers are full, writing does not allocate.
	chunk := []byte(s[:4096])
	if n := testing.AllocsPerRun(100, func() { l.Write(chunk) }); n != 0 {
		t.Errorf("Write allocates %v times", n)
	}
}

func TestLongLineZeroValue(t *testing.T) {
	var l LongLine
	s := strings.Repeat("0123456789", 20)
	l.WriteString(s)
	if got, want := l.String(), Cut(s, MinCut); got != want {
		t.Fatalf("zero LongLine = %q, want %q", got, want)
	}
}
