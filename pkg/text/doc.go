// Package text is the one boundary between untrusted text and the
// terminal, plus the small string helpers every renderer needs so that
// output looks and behaves the same in each command.
//
// Everything read from the cluster or from a server — object fields, pod
// logs, events, condition messages, error messages written by webhooks
// and proxies — is untrusted: a pod can log escape sequences that recolour,
// retitle or rewrite the reader's screen, bidi and other format characters
// can make a line read differently from what it says, and an error message
// can carry a password or a bearer token. The model (the gathered and
// parsed data) keeps such text raw, exactly as it came, so that JSON and
// YAML output and the diagnosis rules see the real thing. Renderers call
// the functions here at the point where text is drawn for a person:
//
//   - Clean for a line that may keep its tabs (a log line);
//   - OneLine for a message shown in one row or after a colon;
//   - Redact before either, for error messages and anything that may hold
//     a URL or a header with a credential in it;
//   - Cut, or LongLine while streaming, to bound how much of a very long
//     line is shown.
//
// A typical chain is OneLine(Redact(msg)) or Cut(Clean(Redact(line)), n).
// Keeping the escaping in this one package means there is a single list of
// what is unsafe (see Clean) and a single set of tests and fuzz targets
// that hold it to that list.
package text
