#!/usr/bin/env bash
# make demo / make demo-stop: a throwaway control plane with seeded backups.
# Needs LOGBACKUP_TOOLS_DIR (the Makefile exports it) and bin/kubectl-logbackup.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.demo
pidfile=$dir/pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if [ "${1:-}" = stop ]; then
  if running; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 50); do running || break; sleep 0.1; done
    echo "demo stopped"
  else
    echo "no demo running"
  fi
  rm -rf "$dir"
  exit 0
fi

if running; then
  echo "a demo is already running (pid $(cat "$pidfile")); stop it with: make demo-stop" >&2
  exit 1
fi
rm -rf "$dir" && mkdir -p "$dir"
go build -o bin/logbackup-demo ./test/demo
start=$(date +%s%N)
setsid nohup bin/logbackup-demo -dir "$dir" >"$dir/demo.log" 2>&1 < /dev/null &
echo $! > "$pidfile"
for _ in $(seq 600); do
  [ -f "$dir/ready" ] && break
  if ! running; then echo "the demo control plane failed to start:" >&2; cat "$dir/demo.log" >&2; exit 1; fi
  sleep 0.2
done
[ -f "$dir/ready" ] || { echo "the demo control plane did not get ready in 2 minutes; see $dir/demo.log" >&2; exit 1; }
ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'control plane (etcd, kube-apiserver, fake kubelet) started and seeded in %d.%03ds\n' $((ms / 1000)) $((ms % 1000))

export KUBECONFIG=$PWD/$dir/kubeconfig
echo
echo '$ kubectl logbackup status -A'
bin/kubectl-logbackup status -A
echo
echo '$ kubectl logbackup investigate tidb/nightly'
bin/kubectl-logbackup investigate tidb/nightly

cat <<MSG

------------------------------------------------------------------------------
The demo keeps running. To explore it:

  export KUBECONFIG=$PWD/$dir/kubeconfig PATH=$PWD/bin:$LOGBACKUP_TOOLS_DIR:\$PATH
  kubectl logbackup status -A --failing -o wide        # what needs attention, with the verdicts
  kubectl logbackup events -A --watch                 # the backups' events as they come (Ctrl-C ends it)
  kubectl logbackup logs tidb/nightly                 # controller lines and backup pod logs, merged
  kubectl logbackup investigate tidb/waiting          # v1: retry 1 pending, phase still Scheduled (read from the records)
  kubectl logbackup investigate tidb/logstream        # v1 log backup: retry pending, AccessDenied
  kubectl logbackup investigate tidb-v2/daily         # v2: new pod cannot pull its image
  kubectl logbackup investigate tidb-v2/pitr          # v2 log backup Failed, no retry records
  kubectl logbackup investigate shared/both           # in both API groups: asks for --api-group
  kubectl logbackup investigate tidb/nightly -o yaml  # the same report as data
  kubectl logbackup investigate tidb/nightly --kubeconfig $PWD/$dir/kubeconfig-restricted
                                                      # a user with no permissions: one-line error
  kubectl get backups.pingcap.com,backups.br.pingcap.com -A

Stop it with: make demo-stop
MSG
