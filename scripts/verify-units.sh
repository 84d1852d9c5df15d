#!/usr/bin/env bash
# systemd-analyze verify for the units installed in a tree made by `install-pi.sh --root DIR`:
#   bash scripts/verify-units.sh DIR
# The units name /opt/soccer-rig/...; verify checks that those programs exist and are
# executable, so the paths are pointed into DIR first. That also proves the installer lays out
# everything the units run.
set -euo pipefail
root=${1:?usage: verify-units.sh DIR}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for u in "$root"/etc/systemd/system/*.service; do
  name=$(basename "$u")
  sed "s|/opt/soccer-rig|$root/opt/soccer-rig|g" "$u" > "$out/$name"
  if systemd-analyze verify "$out/$name"; then echo "$name: ok"; else status=1; fi
done
exit "$status"
