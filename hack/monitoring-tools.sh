#!/usr/bin/env bash
# Installs the real tools that the monitoring tests run: promtool and
# prometheus (Debian package "prometheus") and amtool (Debian package
# "prometheus-alertmanager").
#
# Idempotent: when all three are already on PATH it only prints their versions.
# Non-interactive (CI=true, no stdin): apt never prompts and keeps existing
# config files. The packages ship services listening on :9090 and :9093; they
# are not started by the install (a policy-rc.d that denies service starts is
# put in place for the duration of the install when the machine has none) and
# are stopped and disabled afterwards in case something started them anyway.
# The tests start their own Prometheus on a free 127.0.0.1 port.
set -euo pipefail

tools=(promtool amtool prometheus)
packages=(prometheus prometheus-alertmanager)

missing=()
for t in "${tools[@]}"; do
	command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done

print_versions() {
	promtool --version 2>&1 | head -n1
	amtool --version 2>&1 | head -n1
	prometheus --version 2>&1 | head -n1
}

if [ "${#missing[@]}" -eq 0 ]; then
	print_versions
	exit 0
fi

echo "monitoring-tools: missing ${missing[*]}; installing Debian packages ${packages[*]}" >&2

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=(sudo -n)
	else
		echo "monitoring-tools: need root (or password-less sudo) to apt-get install ${packages[*]}" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive

# Keep the packages' services from starting during the install.
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
	if [ "$created_policy" -eq 1 ]; then
		"${SUDO[@]}" rm -f "$policy"
	fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# temporary, from hack/monitoring-tools.sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
	"${SUDO[@]}" chmod 0755 "$policy"
	created_policy=1
fi

apt_opts=(-y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" --no-install-recommends "${packages[@]}" </dev/null

# Make sure no packaged service holds a port (or starts on the next boot).
services=(prometheus prometheus-alertmanager)
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	for s in "${services[@]}"; do
		"${SUDO[@]}" systemctl disable --now "$s" >/dev/null 2>&1 || true
	done
else
	for s in "${services[@]}"; do
		if [ -x "/etc/init.d/$s" ]; then
			"${SUDO[@]}" "/etc/init.d/$s" stop >/dev/null 2>&1 || true
		fi
	done
fi

for t in "${tools[@]}"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "monitoring-tools: $t still not on PATH after installing ${packages[*]}" >&2
		exit 1
	fi
done
print_versions
