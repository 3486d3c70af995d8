// Package fleet is `status`: every Backup of both groups in scope, across
// one or many kubeconfig contexts, each reduced to one Row as its list
// page arrives (memory grows with the rows, never with the objects), with
// the verdict that investigate gives from the backup alone
// (diagnose.Backup), sorted most urgent first.
package fleet
