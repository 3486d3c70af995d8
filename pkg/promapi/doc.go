// Package promapi is the plugin's one door to Prometheus: where it is (a
// URL, a Service reached through the API server's service proxy, or one
// found in the cluster), the client (client_golang's api package), the
// queries that turn its answers into the report's figures, and the one-line
// reasons for every way it can fail. Nothing here prints; a fault becomes
// a note in the section it spoils, never the end of a command.
package promapi
