package backupapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// ListSlim is List for a view of many backups (status): each page is
// decoded as it streams in, one backup at a time, into the fields the
// model reads (what Slim keeps), so neither a whole page nor what no one
// reads — managed fields, annotations, storage specs — is ever held. rc is
// a REST client at the API server's root (the discovery client's).
func ListSlim(ctx context.Context, rc rest.Interface, apis []API, o ListOptions, each func(API, *unstructured.Unstructured) error) error {
	size := o.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	for _, api := range apis {
		path := []string{"/apis", api.Group, api.Version}
		if o.Namespace != "" {
			path = append(path, "namespaces", o.Namespace)
		}
		path = append(path, backup.Resource)
		cont := ""
		for {
			req := rc.Get().AbsPath(path...).Param("limit", strconv.FormatInt(size, 10))
			if cont != "" {
				req = req.Param("continue", cont)
			}
			if o.Selector != "" {
				req = req.Param("labelSelector", o.Selector)
			}
			body, err := req.Stream(ctx)
			if apierrors.IsResourceExpired(err) && cont != "" {
				if next := inconsistentContinue(err); next != "" {
					cont = next
					continue
				}
				return fmt.Errorf("the list of backups (API group %s) changed too much while it was being read page by page; run the command again: %w", api.Group, err)
			}
			if err != nil {
				return Access(err, "list", api.Group, backup.Resource, "", o.Namespace)
			}
			var meta metav1.ListMeta
			meta, err = decodePage(body, func(u *unstructured.Unstructured) error { return each(api, u) })
			cont = meta.Continue
			body.Close()
			if err != nil {
				return err
			}
			if cont == "" {
				break
			}
		}
	}
	return nil
}

// wireBackup is one list item as it is read: the metadata the model
// needs (a struct, so the decoder skips managed fields, labels and
// annotations without keeping them), spec and status as values.
type wireBackup struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name              string `json:"name"`
		Namespace         string `json:"namespace"`
		UID               string `json:"uid"`
		ResourceVersion   string `json:"resourceVersion"`
		CreationTimestamp any    `json:"creationTimestamp"`
		// A backup being deleted, and what holds it (the field diagnoses).
		Finalizers        any `json:"finalizers"`
		DeletionTimestamp any `json:"deletionTimestamp"`
	} `json:"metadata"`
	Spec   any `json:"spec"`
	Status any `json:"status"`
}

// decodePage reads a list answer token by token: its continue token, and
// each item handed over as soon as it is decoded.
func decodePage(r io.Reader, each func(*unstructured.Unstructured) error) (meta metav1.ListMeta, err error) {
	dec := json.NewDecoder(r)
	dec.UseNumber() // numbers are made int64 or float64 below, as the dynamic client's are
	if err := expect(dec, json.Delim('{')); err != nil {
		return meta, err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return meta, pageError(err)
		}
		switch key {
		case "metadata":
			if err := dec.Decode(&meta); err != nil {
				return meta, pageError(err)
			}
		case "items":
			if err := decodeItems(dec, each); err != nil {
				return meta, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return meta, pageError(err)
			}
		}
	}
	return meta, nil
}

func decodeItems(dec *json.Decoder, each func(*unstructured.Unstructured) error) error {
	tok, err := dec.Token()
	if err != nil {
		return pageError(err)
	}
	if tok == nil { // "items": null
		return nil
	}
	if tok != json.Delim('[') {
		return pageError(fmt.Errorf("items is %v, not a list", tok))
	}
	for dec.More() {
		var w wireBackup
		if err := dec.Decode(&w); err != nil {
			return pageError(err)
		}
		if err := each(w.unstructured()); err != nil {
			return err
		}
	}
	_, err = dec.Token() // ']'
	return pageError(err)
}

// unstructured is the item in the shape Slim gives an informer's object.
func (w *wireBackup) unstructured() *unstructured.Unstructured {
	meta := map[string]any{"name": w.Metadata.Name, "namespace": w.Metadata.Namespace, "uid": w.Metadata.UID, "resourceVersion": w.Metadata.ResourceVersion}
	if w.Metadata.CreationTimestamp != nil {
		meta["creationTimestamp"] = w.Metadata.CreationTimestamp
	}
	if w.Metadata.Finalizers != nil {
		meta["finalizers"] = w.Metadata.Finalizers
	}
	if w.Metadata.DeletionTimestamp != nil {
		meta["deletionTimestamp"] = w.Metadata.DeletionTimestamp
	}
	obj := map[string]any{"apiVersion": w.APIVersion, "kind": w.Kind, "metadata": meta, "spec": numbers(slimSpecOf(w.Spec))}
	if w.Status != nil {
		obj["status"] = numbers(pick(w.Status, slimStatus()))
	}
	return &unstructured.Unstructured{Object: obj}
}

// numbers turns the decoder's json.Number into int64 (or float64), the
// types an object read by client-go holds.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return string(x)
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

func expect(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return pageError(err)
	}
	if tok != want {
		return pageError(fmt.Errorf("found %v where %v was expected", tok, want))
	}
	return nil
}

func pageError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("reading a page of backups: %w", err)
}
