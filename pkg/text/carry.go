package text

import "strings"

// Carry is what Redact cannot see in one line of a log read line by line
// but the lines before tell: the body of a PEM private key (the lines
// between BEGIN and END), the lines of a YAML block scalar under a
// credential's key (password: |), and the YAML list item after a
// credential's flag alone on its line (- --password, then - x). It holds
// no text, only where it is, so its memory is bounded; the zero value is
// ready. One Carry per log.
type Carry struct {
	pem      bool // inside a PEM private key
	block    bool // inside a block scalar whose key is at column col
	col      int
	flagNext bool // the line before was - --password
}

// Hide returns Redacted in place of the text after line's indentation
// when the lines before make it a credential, else line as it is: Redact
// then takes out what the line alone shows. Redact(Hide(line)), line by
// line, hides what Redact hides in the whole log.
func (c *Carry) Hide(line string) string {
	body := strings.TrimLeft(line, " \t")
	indent := line[:len(line)-len(body)]
	trimmed := strings.TrimRight(body, " \t\r")
	switch {
	case c.pem:
		if strings.HasPrefix(trimmed, "-----END ") {
			c.pem = false
			return line
		}
		if trimmed == "" {
			return line
		}
		return indent + Redacted
	case c.block:
		if trimmed == "" {
			return line
		}
		if len(indent) > c.col {
			return indent + Redacted
		}
		c.block = false
	case c.flagNext:
		c.flagNext = false
		if strings.HasPrefix(trimmed, "- ") {
			return indent + "- " + Redacted
		}
	}
	c.note(trimmed, len(indent))
	return line
}

// note reads what a line says about the lines after it.
func (c *Carry) note(trimmed string, col int) {
	switch {
	case strings.HasPrefix(trimmed, "-----BEGIN ") || strings.Contains(trimmed, "-----BEGIN "):
		i := strings.LastIndex(trimmed, "-----BEGIN ")
		rest := trimmed[i:]
		c.pem = strings.Contains(rest, "PRIVATE KEY-----") && !strings.Contains(rest, "-----END ")
	case strings.HasPrefix(trimmed, "-") && !strings.HasPrefix(trimmed, "--"):
		// - --password, - "--password": a list item that is a flag alone.
		item := strings.Trim(strings.TrimLeft(trimmed[1:], " \t"), `"'`)
		c.flagNext = len(item) > 1 && item[0] == '-' && !strings.ContainsAny(item, " \t=") && CredentialName(item)
		if !c.flagNext {
			c.blockAt(trimmed, col)
		}
	default:
		c.blockAt(trimmed, col)
	}
}

// blockAt starts a block scalar when the line is a credential's key and
// | or > (with its indicators and a comment).
func (c *Carry) blockAt(trimmed string, col int) {
	if !strings.ContainsAny(trimmed, "|>") {
		return
	}
	if m := yamlBlockRE.FindStringSubmatchIndex(trimmed); m != nil && m[1] == len(trimmed) {
		c.block, c.col = true, col+m[3]-m[2]
	}
}
