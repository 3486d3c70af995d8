#!/usr/bin/env bash
# Installs the real tools that the monitoring tests run: promtool and
# prometheus (Debian package "prometheus") and amtool (Debian package
# "prometheus-alertmanager").
#
# Idempotent: when all three are already on PATH it only prints their versions,
# and it installs only the packages of the tools that are missing.
# Non-interactive (root or password-less sudo, CI=true, no stdin): apt never
# prompts and keeps existing config files; without root or password-less sudo,
# or without apt-get (not Debian or Ubuntu), it fails with one line that says
# what to install by hand.
#
# The packages ship services listening on :9090 and :9093. They are not started
# by the install (a policy-rc.d that denies service starts is put in place for
# the duration of the install when the machine has none), and the services of
# the packages that this run installed, and that did not exist before it, are
# stopped and disabled afterwards in case something started them anyway. A
# service that was there before (such as a Prometheus the machine already runs)
# is never touched. The tests start their own Prometheus on a free 127.0.0.1
# port.
set -euo pipefail

tools=(promtool amtool prometheus)

# package_of prints the Debian package that provides a tool.
package_of() {
	case "$1" in
	promtool | prometheus) echo prometheus ;;
	amtool) echo prometheus-alertmanager ;;
	esac
}

# service_of prints the service that a Debian package ships.
service_of() {
	case "$1" in
	prometheus) echo prometheus ;;
	prometheus-alertmanager) echo prometheus-alertmanager ;;
	esac
}

# by_hand prints, on one line, where to get the missing tools without apt.
by_hand() {
	local want=() t
	for t in "${missing[@]}"; do
		case "$t" in
		promtool | prometheus) [[ " ${want[*]-} " == *" Prometheus "* ]] || want+=(Prometheus) ;;
		amtool) want+=(Alertmanager) ;;
		esac
	done
	local w out=""
	for w in "${want[@]}"; do
		out+="${out:+ and }the ${w} release (https://prometheus.io/download/)"
	done
	echo "$out"
}

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

packages=()
for t in "${missing[@]}"; do
	p=$(package_of "$t")
	[[ " ${packages[*]-} " == *" $p "* ]] || packages+=("$p")
done

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
	echo "monitoring-tools: missing ${missing[*]} and no apt-get (not Debian or Ubuntu): install ${missing[*]} by hand, on PATH, from $(by_hand)" >&2
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true </dev/null >/dev/null 2>&1; then
	as_root() { sudo -n "$@"; }
else
	echo "monitoring-tools: missing ${missing[*]} and not root (no password-less sudo): run 'sudo apt-get install --no-install-recommends ${packages[*]}' by hand, or install ${missing[*]} from $(by_hand)" >&2
	exit 1
fi

# package_installed succeeds when dpkg has the package installed.
package_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# service_exists succeeds when the machine has a systemd unit or an init
# script of that name (from a package or written by hand).
service_exists() {
	local f
	for f in "/etc/init.d/$1" "/etc/systemd/system/$1.service" "/lib/systemd/system/$1.service" "/usr/lib/systemd/system/$1.service"; do
		[ -e "$f" ] && return 0
	done
	return 1
}

# The services that this run may stop: those of packages that are not
# installed yet and whose service does not exist yet.
new_services=()
for p in "${packages[@]}"; do
	s=$(service_of "$p")
	if ! package_installed "$p" && ! service_exists "$s"; then
		new_services+=("$s")
	fi
done

echo "monitoring-tools: missing ${missing[*]}; installing Debian packages ${packages[*]}" >&2

export DEBIAN_FRONTEND=noninteractive

# Keep the packages' services from starting during the install.
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
	if [ "$created_policy" -eq 1 ]; then
		as_root rm -f "$policy"
	fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# temporary, from hack/monitoring-tools.sh\nexit 101\n' | as_root tee "$policy" >/dev/null
	as_root chmod 0755 "$policy"
	created_policy=1
fi

apt_opts=(-y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" --no-install-recommends "${packages[@]}" </dev/null

# Make sure no service this run brought in holds a port (or starts on the next
# boot). Services that existed before are left as they were.
for s in ${new_services[@]+"${new_services[@]}"}; do
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		as_root systemctl disable --now "$s" </dev/null >/dev/null 2>&1 || true
	elif [ -x "/etc/init.d/$s" ]; then
		as_root "/etc/init.d/$s" stop </dev/null >/dev/null 2>&1 || true
		if command -v update-rc.d >/dev/null 2>&1; then
			as_root update-rc.d "$s" disable </dev/null >/dev/null 2>&1 || true
		fi
	fi
done

for t in "${tools[@]}"; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "monitoring-tools: $t still not on PATH after installing ${packages[*]}" >&2
		exit 1
	fi
done
print_versions
