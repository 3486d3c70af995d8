#!/usr/bin/env bash
# The seed's investigate-high-retry-rate.sh runbook with its errors fixed:
# the group spelled out, events by the backup's uid, jobs and pods by the
# real label, the failed pods' logs, the whole controller log grepped for
# the exact NAMESPACE/NAME token. The benchmark times it against
# `kubectl logbackup investigate`.
set -euo pipefail
ns=$1 name=$2 controller_ns=$3 controller_selector=$4

kubectl get backups.pingcap.com -n "$ns" "$name" -o yaml
uid=$(kubectl get backups.pingcap.com -n "$ns" "$name" -o jsonpath='{.metadata.uid}')
kubectl get events -n "$ns" --field-selector "involvedObject.uid=$uid" --sort-by=.lastTimestamp
kubectl get jobs,pods -n "$ns" -l "tidb.pingcap.com/backup=$name" -o wide
for pod in $(kubectl get pods -n "$ns" -l "tidb.pingcap.com/backup=$name" --field-selector=status.phase=Failed -o name); do
  kubectl logs -n "$ns" "$pod" -c backup --tail=20
done
kubectl logs -n "$controller_ns" -l "$controller_selector" --tail=-1 --max-log-requests=10 \
  | grep -E "(^|[^a-z0-9./-])$ns/$name([^a-z0-9.-]|\$)" | tail -n 20 || true
