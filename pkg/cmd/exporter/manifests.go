package exporter

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/monitoring"
	"github.com/logbackup/kubectl-logbackup/pkg/buildinfo"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/exporter/manifests"
)

// Output formats of `exporter manifests`.
const (
	formatYAML = "yaml"
	formatJSON = "json"
)

// ManifestsOptions of `exporter manifests`.
type ManifestsOptions struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
	output               *cmdutil.Enum
	profile              *cmdutil.Enum
	labels               *labelsValue
	Image                string
	imageGiven           bool // --image, even empty, was given
	NoPrometheusOperator bool
	// Version is the plugin's version (buildinfo.Read().Version); the default
	// image's tag comes from it.
	Version string
}

func newManifestsCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ManifestsOptions{configFlags: flags, IOStreams: streams, labels: &labelsValue{}, Version: buildinfo.Read().Version}
	defImage, _ := manifests.DefaultImage(o.Version)
	cmd := &cobra.Command{
		Use:   "manifests [-n NAMESPACE] [--image IMAGE] [--profile dev|default|prod] [--label KEY=VALUE]... [--no-prometheus-operator]",
		Short: "Print the Kubernetes objects that run the exporter in a cluster, for kubectl apply",
		Long: `Print, as a YAML stream for "kubectl apply -f -", what runs
"kubectl logbackup exporter" in a cluster:

  ServiceAccount      logbackup-exporter
  ClusterRole         logbackup-exporter: get, list and watch backups of
                      pingcap.com and br.pingcap.com, nothing else (API
                      discovery is allowed by the default system:discovery role)
  ClusterRoleBinding  logbackup-exporter, to the ServiceAccount
  Deployment          logbackup-exporter: 1 replica, strategy Recreate,
                      non-root with a read-only root file system, port
                      "metrics" 9469, probes /healthz and /readyz
  Service             logbackup-exporter: ClusterIP, port "metrics" 9469
  ServiceMonitor      logbackup-exporter: scrapes /metrics every 30s
  PrometheusRule      ` + monitoring.PrometheusRuleName + `: the alert rules of "kubectl logbackup
                      monitoring rules --profile PROFILE --format prometheusrule"

Run exactly one replica: two exporters at once would each count every retry
and double every counter, which is why the strategy is Recreate (a rolling
update would run the old and the new pod side by side).

The namespace is not created: every namespaced object goes to -n NAMESPACE
(default: the kubeconfig context's namespace, as kubectl picks it), and so
does the ClusterRoleBinding's subject. Nothing is read from the cluster, so
this works offline.

The image defaults to ` + manifests.ImageRepository + `:VERSION when this
plugin is a release build (VERSION is vX.Y.Z, see "kubectl logbackup
version"). Any other build has no image of its own: the output then uses
":latest", which is not this build's code, and says so in a comment and on
standard error; give --image to pin one. The image's entrypoint must be the
kubectl-logbackup binary: the container's args are "exporter --listen=:9469".

The ServiceMonitor and the PrometheusRule need the Prometheus Operator's CRDs
(monitoring.coreos.com/v1); --no-prometheus-operator leaves them out. A
Prometheus picks them up only if its serviceMonitorSelector and ruleSelector
match their labels (kube-prometheus-stack selects release=RELEASE-NAME by
default) and its serviceMonitorNamespaceSelector and ruleNamespaceSelector
match the namespace: add such labels with --label KEY=VALUE (repeatable).`,
		Example: `  # Into namespace monitoring, for a kube-prometheus-stack release named kube-prometheus-stack
  kubectl logbackup exporter manifests -n monitoring --label release=kube-prometheus-stack | kubectl apply -f -

  # Without the Prometheus Operator (scrape the Service logbackup-exporter, port metrics, yourself)
  kubectl logbackup exporter manifests -n monitoring --no-prometheus-operator | kubectl apply -f -

  # A pinned image and the production thresholds, reviewed before applying
  kubectl logbackup exporter manifests -n monitoring --image registry.example.com/kubectl-logbackup:v1.2.3 --profile prod > exporter.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.NoPrometheusOperator {
				for _, f := range []string{"profile", "label"} {
					if cmd.Flags().Changed(f) {
						return fmt.Errorf("--%s applies to the ServiceMonitor and PrometheusRule, which --no-prometheus-operator leaves out; drop one of them", f)
					}
				}
			}
			o.imageGiven = cmd.Flags().Changed("image")
			return o.Run()
		},
	}
	cmd.Flags().StringVar(&o.Image, "image", "", "Image of the exporter container (default: "+manifests.ImageRepository+":VERSION of a release build, else :latest)")
	o.profile = cmdutil.AddEnum(cmd, "profile", "", monitoring.DefaultProfile, "Threshold profile of the PrometheusRule: "+strings.Join(monitoring.Profiles(), ", "), monitoring.Profiles()...)
	cmd.Flags().Var(o.labels, "label", "Extra label KEY=VALUE of the ServiceMonitor and the PrometheusRule, such as release=kube-prometheus-stack (repeatable)")
	cmd.Flags().BoolVar(&o.NoPrometheusOperator, "no-prometheus-operator", false, "Leave out the ServiceMonitor and the PrometheusRule (for a cluster without the Prometheus Operator)")
	o.output = cmdutil.AddEnum(cmd, "output", "o", formatYAML, "Output format: yaml (a multi-document stream) or json (a v1 List)", formatYAML, formatJSON)
	_ = cmd.RegisterFlagCompletionFunc("image", cobra.FixedCompletions([]string{defImage}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("label", cobra.FixedCompletions([]string{"release="}, cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveNoSpace))
	return cmd
}

// Run prints the manifests. It reads the kubeconfig for the namespace only:
// no cluster is contacted.
func (o *ManifestsOptions) Run() error {
	ns, err := o.namespace()
	if err != nil {
		return err
	}
	if o.imageGiven {
		if err := manifests.ValidateImage(o.Image); err != nil {
			return err
		}
	}
	header := []string{
		"kubectl logbackup exporter, to apply with: kubectl apply -f -",
		"Generated by: " + o.commandLine(ns),
	}
	image := o.Image
	if !o.imageGiven {
		var release bool
		image, release = manifests.DefaultImage(o.Version)
		if !release {
			warning := fmt.Sprintf("this plugin (version %s) is not a release build: the image %s is not its code; give --image to pin one", o.Version, image)
			header = append(header, "WARNING: "+warning)
			fmt.Fprintln(o.ErrOut, "warning: "+warning)
		}
	}
	objs, err := manifests.Objects(manifests.Options{
		Namespace:          ns,
		Image:              image,
		Profile:            o.profile.Value(),
		PrometheusOperator: !o.NoPrometheusOperator,
		Labels:             o.labels.m,
	})
	if err != nil {
		return err
	}
	var b []byte
	switch o.output.Value() {
	case formatJSON:
		b, err = manifests.JSONList(objs)
	default:
		b, err = manifests.YAML(header, objs)
	}
	if err != nil {
		return err
	}
	_, err = o.Out.Write(b)
	return err
}

// namespace is -n, else the kubeconfig context's namespace, else
// "default", as kubectl picks it; a missing kubeconfig is not an error.
func (o *ManifestsOptions) namespace() (string, error) {
	if o.configFlags.Namespace != nil && *o.configFlags.Namespace != "" {
		ns := *o.configFlags.Namespace
		return ns, cmdutil.ValidateNamespaceFlag("-n", ns)
	}
	ns, _, err := o.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", fmt.Errorf("reading the namespace from the kubeconfig: %w; give -n NAMESPACE", err)
	}
	if ns == "" {
		ns = "default"
	}
	if err := cmdutil.ValidateNamespaceFlag("namespace", ns); err != nil {
		return "", fmt.Errorf("the kubeconfig's %w; give -n NAMESPACE", err)
	}
	return ns, nil
}

// commandLine is the command that prints the same objects again.
func (o *ManifestsOptions) commandLine(ns string) string {
	parts := []string{"kubectl logbackup exporter manifests", "-n", ns}
	if o.imageGiven {
		parts = append(parts, "--image", o.Image)
	}
	if o.NoPrometheusOperator {
		parts = append(parts, "--no-prometheus-operator")
	} else {
		parts = append(parts, "--profile", o.profile.Value())
		for _, k := range slices.Sorted(maps.Keys(o.labels.m)) {
			parts = append(parts, "--label", k+"="+o.labels.m[k])
		}
	}
	return strings.Join(parts, " ")
}

// labelsValue is the repeatable --label KEY=VALUE, checked as it is parsed.
type labelsValue struct {
	m     map[string]string
	given []string
}

// String is "" until a label is given, so the help shows no default.
func (l *labelsValue) String() string { return strings.Join(l.given, ",") }
func (l *labelsValue) Type() string   { return "KEY=VALUE" }

func (l *labelsValue) Set(kv string) error {
	k, v, err := manifests.ParseLabel(kv)
	if err != nil {
		return err
	}
	if old, ok := l.m[k]; ok && old != v {
		return errors.New("label " + k + " is given twice, as " + old + " and " + v + "; give it once")
	}
	if l.m == nil {
		l.m = map[string]string{}
	}
	l.m[k] = v
	l.given = append(l.given, kv)
	return nil
}
