#!/bin/sh
# The installed unit is valid (`systemd-analyze verify`) and its exposure score stays at
# or under the recorded one (`systemd-analyze security --offline=yes`). The unit's
# ExecStart names the installed binary, which need not exist here: a copy of the unit
# points at the built one. No systemd needs to be running. Exit 77 (skipped) without
# systemd-analyze.
set -eu
unit=$1 binary=$2 max_exposure=${3:-1.6}
command -v systemd-analyze >/dev/null 2>&1 || { echo "no systemd-analyze"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|^ExecStart=[^ ]*|ExecStart=$binary|" "$unit" > "$dir/leasedns.service"
# --man=no: the man pages of Documentation= are not installed on a build machine.
systemd-analyze verify --man=no "$dir/leasedns.service"
score=$(systemd-analyze security --offline=yes "$dir/leasedns.service" 2>&1 |
        sed -n 's/.*Overall exposure level for leasedns.service: \([0-9.]*\).*/\1/p')
echo "exposure: $score (at most $max_exposure)"
[ -n "$score" ] && awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'
