// Package stream holds what reads the cluster as it changes: the events
// watch, the log follow of a backup's pods and of the operator's
// controller, and the line matcher that picks out the controller's lines
// about one backup (shared with investigate, so both match alike).
//
// Streams survive an expired resourceVersion, a dropped connection and a
// short API outage, and say in one line when a source stops for good.
// Memory stays bounded whatever a log holds: lines are cut at
// MaxLineBytes and only a bounded number of them is ever kept.
package stream
