package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
)

func TestClusterError(t *testing.T) {
	s := &Session{Config: &rest.Config{Host: "https://10.0.0.1:6443"}, Host: "https://10.0.0.1:6443", RequestTimeout: 5 * time.Second, Deadline: 30 * time.Second}
	refused := &url.Error{Op: "Get", URL: "https://10.0.0.1:6443/apis", Err: fmt.Errorf("dial tcp 10.0.0.1:6443: connect: %w", syscall.ECONNREFUSED)}
	cases := []struct {
		err  error
		want string
	}{
		{refused, "cannot reach the Kubernetes API server at https://10.0.0.1:6443: connection refused; check --kubeconfig and --context"},
		{fmt.Errorf("reading: %w", context.DeadlineExceeded), "no answer from the Kubernetes API server at https://10.0.0.1:6443 within 5s (--request-timeout)"},
		{apierrors.NewUnauthorized("x"), "rejected the credentials (401 Unauthorized)"},
		{errors.New("other"), "other"},
	}
	for _, c := range cases {
		if got := ClusterError(c.err, s).Error(); !strings.Contains(got, c.want) {
			t.Errorf("ClusterError(%v) = %q, want %q", c.err, got, c.want)
		}
	}
	if ClusterError(nil, s) != nil {
		t.Error("nil error became an error")
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine(errors.New("first\n  second\tthird")); got != "error: first second third" {
		t.Errorf("OneLine = %q", got)
	}
}

func TestValidateTimeout(t *testing.T) {
	for _, ok := range []string{"", "0", "30s", "2m", "15"} {
		v := ok
		if err := validateTimeout(&v); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"abc", "-3", "5 minutes", "-5s", "25h", "99999999999"} {
		v := bad
		if err := validateTimeout(&v); err == nil || !strings.Contains(err.Error(), "invalid --request-timeout") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestParseRefRefusesContradictingNamespace(t *testing.T) {
	flags := genericclioptions.NewConfigFlags(false)
	other := "other"
	flags.Namespace = &other
	s := &Session{Namespace: "other"}
	if _, err := ParseRef("tidb/x", flags, s); err == nil || !strings.Contains(err.Error(), "contradicts -n other") {
		t.Errorf("err = %v", err)
	}
	if ref, err := ParseRef("x", flags, s); err != nil || ref.String() != "other/x" {
		t.Errorf("bare name with -n: %v %v", ref, err)
	}
	same := "tidb"
	flags.Namespace = &same
	if ref, err := ParseRef("tidb/x", flags, s); err != nil || ref.String() != "tidb/x" {
		t.Errorf("agreeing -n: %v %v", ref, err)
	}
}

func TestValidateFlags(t *testing.T) {
	if ValidateNamespaceFlag("--n", "") != nil || ValidateNamespaceFlag("--n", "Bad_NS") == nil {
		t.Error("ValidateNamespaceFlag")
	}
	if ValidateSelectorFlag("--s", "a=b,c!=d") != nil || ValidateSelectorFlag("--s", "a==b=c") == nil || ValidateSelectorFlag("--s", strings.Repeat("a", 5000)) == nil {
		t.Error("ValidateSelectorFlag")
	}
}
