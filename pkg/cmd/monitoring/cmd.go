// Package monitoring implements "kubectl logbackup monitoring": it prints the
// alert rules, Grafana dashboards and Alertmanager example that are embedded
// in the plugin (see the top-level monitoring package), ready to apply.
package monitoring

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/monitoring"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
)

// NewCmd returns "kubectl logbackup monitoring" with its subcommands rules,
// dashboards and alertmanager. Everything is written to streams.Out.
func NewCmd(streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitoring",
		Short: "Print alert rules, Grafana dashboards and an Alertmanager example for log backup retries",
		Long: `Print the monitoring configuration for the TiDB log backup retry metrics
(tidb_operator_log_backup_retry_*), embedded in this plugin and tested with
promtool, amtool and Prometheus:

  rules         Prometheus alert rules for a threshold profile, as a plain rule
                file or as a PrometheusRule for the Prometheus Operator
  dashboards    the Grafana dashboards "TiDB Log Backup Retry" and
                "TiDB Log Backup Health"
  alertmanager  an Alertmanager configuration that routes these alerts by
                severity to Slack, email, PagerDuty and a webhook, and its
                notification templates

The output goes to standard output, ready to save or pipe into kubectl apply.`,
		Example: `  kubectl logbackup monitoring rules --profile prod --format prometheusrule | kubectl apply -n monitoring -f -
  kubectl logbackup monitoring rules > /etc/prometheus/rules/tidb-log-backup-retry.yml
  kubectl logbackup monitoring dashboards --dashboard log-backup-retry > log-backup-retry.json
  kubectl logbackup monitoring alertmanager > alertmanager.yml
  kubectl logbackup monitoring alertmanager --file templates > logbackup.tmpl`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for \"kubectl logbackup monitoring\": must be one of rules, dashboards, alertmanager", args[0])
			}
			return c.Help()
		},
	}
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	cmd.AddCommand(newRulesCmd(streams), newDashboardsCmd(streams), newAlertmanagerCmd(streams))
	return cmd
}

func write(streams genericiooptions.IOStreams, b []byte, err error) error {
	if err != nil {
		return err
	}
	_, err = streams.Out.Write(b)
	return err
}

func newRulesCmd(streams genericiooptions.IOStreams) *cobra.Command {
	var profile, format *cmdutil.Enum
	cmd := &cobra.Command{
		Use:   "rules [--profile dev|default|prod] [--format rules|prometheusrule]",
		Short: "Print the Prometheus alert rules for log backup retries",
		Long: `Print the Prometheus alert rules for log backup retries and log backup
tasks, with the thresholds of a profile:

  profile   high retry rate   low success rate   persistent retries for   RPO (warning/critical)   paused for
  dev       > 0.05/s          < 70%              5m                       30m / 2h                 12h
  default   > 0.1/s           < 50%              15m                      10m / 30m                2h
  prod      > 0.2/s           < 30%              30m                      5m / 15m                 1h

Retry alerts (from the metrics of kubectl logbackup exporter):
LogBackupHighRetryRate, LogBackupLowRetrySuccessRate,
LogBackupRetriesExhausted, LogBackupPersistentRetryFailure,
LogBackupRetryTimeout, LogBackupNoRetryProgress and
LogBackupRetryMetricsMissing (the metrics source is gone).

Log backup task alerts (from TiDB's and TiKV's own metrics, no exporter
needed): LogBackupRPOHigh, LogBackupRPOCritical (a running task's checkpoint
behind now), LogBackupPausedTooLong, LogBackupTaskError and
LogBackupCheckpointBehindGCSafePoint.

Each alert's "runbook" annotation names the command to run, e.g.
"kubectl logbackup investigate NAMESPACE/BACKUP".

--format rules prints a rule file for prometheus.yml's rule_files;
--format prometheusrule prints the same groups as a monitoring.coreos.com/v1
PrometheusRule named ` + monitoring.PrometheusRuleName + ` (no namespace: pass -n to kubectl apply).

The retry counters must be exported at 0 for every backup before their first
increment, or the exhausted and timeout alerts cannot see that increment.`,
		Example: `  kubectl logbackup monitoring rules --profile dev
  kubectl logbackup monitoring rules --profile prod --format prometheusrule | kubectl apply -n monitoring -f -`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b, err := monitoring.Rules(profile.Value(), format.Value())
			return write(streams, b, err)
		},
	}
	profile = cmdutil.AddEnum(cmd, "profile", "", monitoring.DefaultProfile, "threshold profile: "+strings.Join(monitoring.Profiles(), ", "), monitoring.Profiles()...)
	format = cmdutil.AddEnum(cmd, "format", "", monitoring.FormatRules, "output format: rules (plain Prometheus rule groups) or prometheusrule (Prometheus Operator PrometheusRule)", monitoring.Formats()...)
	return cmd
}

func newDashboardsCmd(streams genericiooptions.IOStreams) *cobra.Command {
	var name *cmdutil.Enum
	cmd := &cobra.Command{
		Use:   "dashboards [--dashboard " + strings.Join(monitoring.DashboardNames(), "|") + "]",
		Short: "Print the Grafana dashboards for log backup retries",
		Long: `Print the Grafana dashboards for log backup retries.

Without --dashboard, both dashboards are printed as one JSON array of
dashboard models, in this order:

  log-backup-retry   "TiDB Log Backup Retry" (uid tidb-log-backup-retry):
                     retry rate, success rate, current retries, retry
                     duration heatmap, exhausted and timeouts in the last hour
  log-backup-health  "TiDB Log Backup Health" (uid tidb-log-backup-health):
                     backups requiring attention, stalled retries, and where
                     to find a backup's events

With --dashboard NAME, only that dashboard's JSON model is printed: import it
in Grafana (Dashboards > New > Import) or put it in a provisioning folder.
Each dashboard has a "datasource" variable for the Prometheus data source to
use. Backup events are not Prometheus metrics; the plugin reads them from the
Kubernetes API: "kubectl logbackup investigate NAMESPACE/NAME" shows the
backup's events (matched by its UID) and those of its jobs and pods.`,
		Example: `  kubectl logbackup monitoring dashboards --dashboard log-backup-retry > log-backup-retry.json
  kubectl logbackup monitoring dashboards | jq '.[1].title'`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if name.Value() == "" {
				b, err := monitoring.Dashboards()
				return write(streams, b, err)
			}
			b, err := monitoring.Dashboard(name.Value())
			return write(streams, b, err)
		},
	}
	name = cmdutil.AddEnum(cmd, "dashboard", "", "", "print only this dashboard: "+strings.Join(monitoring.DashboardNames(), ", "), monitoring.DashboardNames()...)
	return cmd
}

func newAlertmanagerCmd(streams genericiooptions.IOStreams) *cobra.Command {
	var part *cmdutil.Enum
	cmd := &cobra.Command{
		Use:   "alertmanager [--file config|templates]",
		Short: "Print an Alertmanager configuration example for log backup retry alerts",
		Long: `Print an Alertmanager configuration example (--file config, the default,
to install as alertmanager.yml) or the notification templates it loads
(--file templates, to install as logbackup.tmpl in the same directory).

The configuration routes the alerts with component=tidb-operator and
feature=log-backup-retry by severity: critical to PagerDuty, Slack and email,
warning to Slack and email, and every one of them to a webhook; it groups them
by alert, namespace and backup. It contains no secret: the Slack webhook URL,
SMTP password, PagerDuty routing key and webhook token are read from files
under /etc/alertmanager/secrets/. Replace the example.org addresses and the
webhook URL with yours.`,
		Example: `  kubectl logbackup monitoring alertmanager > alertmanager.yml
  kubectl logbackup monitoring alertmanager --file templates > logbackup.tmpl
  amtool check-config alertmanager.yml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b, err := monitoring.Alertmanager(part.Value())
			return write(streams, b, err)
		},
	}
	part = cmdutil.AddEnum(cmd, "file", "", monitoring.AlertmanagerConfig, "which file to print: "+strings.Join(monitoring.AlertmanagerParts(), ", "), monitoring.AlertmanagerParts()...)
	return cmd
}
