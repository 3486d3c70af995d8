// Package stream holds the long-running readers of the plugin: lists that
// go on as watches, which survive an expired resourceVersion, a dropped
// connection and an API outage, and say so when they cannot go on.
package stream

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Output kinds of `kubectl logbackup events`.
const (
	EventKind     = "BackupEvent"
	EventListKind = "BackupEventList"
)

// Event is one event of a Backup, of a Job the Backup owns or of a Pod of
// such a Job: the BackupEvent output kind. The text is the cluster's, raw.
type Event struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Namespace  string    `json:"namespace"`
	Backup     BackupRef `json:"backup"`
	Object     ObjectRef `json:"object"`
	Type       string    `json:"type"`
	Reason     string    `json:"reason"`
	Message    string    `json:"message"`
	Count      int32     `json:"count"`
	// FirstSeen is left out when the event does not say.
	FirstSeen *time.Time `json:"firstSeen,omitempty"`
	LastSeen  time.Time  `json:"lastSeen"`
	// Retry: the reason is one of the retry story (report.RetryReasons).
	Retry bool `json:"retry"`
	// Source is the component that reported the event.
	Source string `json:"source,omitempty"`
	// UID and ResourceVersion are the event's own; a consumer of a watch
	// sees the same UID again when the event is updated (its count grows).
	UID             string `json:"uid"`
	ResourceVersion string `json:"resourceVersion"`
}

// BackupRef names the backup an event belongs to.
type BackupRef struct {
	Group string `json:"group"`
	Name  string `json:"name"`
}

// ObjectRef is the event's involved object.
type ObjectRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	UID  string `json:"uid"`
}

// OutputKind makes an event printable with output.Print.
func (e *Event) OutputKind() (string, string) { return e.APIVersion, e.Kind }

// EventList is the BackupEventList output kind: events oldest first.
type EventList struct {
	APIVersion string  `json:"apiVersion"`
	Kind       string  `json:"kind"`
	Items      []Event `json:"items"`
}

// OutputKind makes the list printable with output.Print.
func (l *EventList) OutputKind() (string, string) { return l.APIVersion, l.Kind }

// NewEventList wraps items ([] when there are none).
func NewEventList(items []Event) *EventList {
	if items == nil {
		items = []Event{}
	}
	return &EventList{APIVersion: output.APIVersion, Kind: EventListKind, Items: items}
}

// eventFrom builds the output of a matched event.
func eventFrom(e *corev1.Event, b backupKey) Event {
	out := Event{
		APIVersion: output.APIVersion,
		Kind:       EventKind,
		Namespace:  e.Namespace,
		Backup:     BackupRef{Group: b.group, Name: b.name},
		Object: ObjectRef{Kind: e.InvolvedObject.Kind, Name: e.InvolvedObject.Name,
			UID: string(e.InvolvedObject.UID)},
		Type:            e.Type,
		Reason:          e.Reason,
		Message:         e.Message,
		Count:           max(e.Count, 1),
		LastSeen:        LastSeen(e).UTC(),
		Source:          firstNonEmpty(e.ReportingController, e.Source.Component),
		UID:             string(e.UID),
		ResourceVersion: e.ResourceVersion,
	}
	if e.Series != nil {
		out.Count = max(e.Series.Count, out.Count)
	}
	if !e.FirstTimestamp.IsZero() {
		t := e.FirstTimestamp.UTC()
		out.FirstSeen = &t
	}
	out.Retry = report.IsRetryReason(e.Reason)
	return out
}

// LastSeen is the newest of the times the old and the new event APIs set
// (investigate and events read events alike).
func LastSeen(e *corev1.Event) time.Time {
	t := e.LastTimestamp.Time
	if e.Series != nil && e.Series.LastObservedTime.After(t) {
		t = e.Series.LastObservedTime.Time
	}
	if e.EventTime.After(t) {
		t = e.EventTime.Time
	}
	if t.IsZero() {
		t = e.CreationTimestamp.Time
	}
	return t
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
