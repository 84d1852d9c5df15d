#!/bin/sh
# soccer-rig boot guard: run by systemd before every start of the node (ExecStartPre).
#   boot-guard.sh [ROOT=/opt/soccer-rig] [STATE_DIR=/var/lib/soccer-rig]
# It lives at ROOT/boot-guard.sh, outside releases/, so a broken release cannot break the
# guard that rolls it back; it needs nothing but POSIX sh and coreutils (no node).
# 1. removes what an interrupted update left (releases/*.partial, temp links);
# 2. while a new version is on trial (STATE_DIR/update-trial.env): counts its starts, and
#    switches back to the previous version when it used up its starts or passed its deadline
#    without committing itself, leaving a note (update-rollback-*.env) for the node's history;
# 3. makes sure `current` points at a complete release.
set -eu
root=${1:-/opt/soccer-rig}
state=${2:-/var/lib/soccer-rig}
releases="$root/releases"
trial="$state/update-trial.env"
now=$(date +%s)

log() { echo "soccer-rig boot-guard: $*" >&2; }
is_complete() { [ -n "$1" ] && [ -x "$releases/$1/bin/soccer-rig" ] && [ -f "$releases/$1/package.json" ]; }
target() { t=$(readlink "$root/current" 2>/dev/null || true); echo "${t#releases/}"; }
# Only plain version/number characters are taken from the state files.
field() { sed -n "s/^$2=\([0-9A-Za-z.+-]*\)\$/\1/p" "$1" | head -n 1; }
switch_to() {
  tmp="$root/.current.guard.tmp"
  ln -sfn "releases/$1" "$tmp"
  mv -T "$tmp" "$root/current"
  sync "$root"
}
write_atomic() { # FILE CONTENT
  printf '%s\n' "$2" > "$1.tmp"
  sync "$1.tmp"
  mv -f "$1.tmp" "$1"
  sync "$(dirname "$1")"
}

for d in "$releases"/*.partial; do
  if [ -e "$d" ]; then rm -rf -- "$d"; log "removed unfinished $d"; fi
done
for t in "$root"/.current.*.tmp; do
  if [ -L "$t" ] || [ -e "$t" ]; then rm -f -- "$t"; fi
done

if [ -f "$trial" ]; then
  version=$(field "$trial" VERSION)
  previous=$(field "$trial" PREVIOUS)
  deadline=$(field "$trial" DEADLINE)
  attempts=$(field "$trial" ATTEMPTS)
  max=$(field "$trial" MAX_ATTEMPTS)
  case "$deadline$attempts$max" in *[!0-9]*|'') deadline=0; attempts=0; max=0 ;; esac
  if [ "$(target)" != "$version" ]; then
    # Killed after writing the trial but before switching: the new version never ran.
    rm -f "$trial"; sync "$state"
    log "trial of $version never started; staying on $(target)"
  elif [ "$attempts" -ge "$max" ] || [ "$now" -gt "$deadline" ]; then
    if [ "$attempts" -ge "$max" ]; then reason=ATTEMPTS_EXCEEDED; else reason=DEADLINE_PASSED; fi
    if is_complete "$previous"; then
      switch_to "$previous"
      write_atomic "$state/update-rollback-$now.env" "VERSION=$version
PREVIOUS=$previous
REASON=$reason
AT=$now
ATTEMPTS=$attempts"
      rm -f "$trial"; sync "$state"
      log "$version did not become healthy ($reason): rolled back to $previous"
    else
      log "$version failed its trial ($reason) but $previous is not complete: keeping $version"
      rm -f "$trial"; sync "$state"
    fi
  else
    write_atomic "$trial" "VERSION=$version
PREVIOUS=$previous
DEADLINE=$deadline
ATTEMPTS=$((attempts + 1))
MAX_ATTEMPTS=$max"
    log "trial of $version: start $((attempts + 1)) of $max"
  fi
fi

if ! is_complete "$(target)"; then
  best=""
  for d in "$releases"/*; do
    v=${d##*/}
    case "$v" in *.partial) continue ;; esac
    if is_complete "$v"; then best="$best$v
"; fi
  done
  best=$(printf '%s' "$best" | sort -V | tail -n 1)
  if [ -z "$best" ]; then log "no complete release under $releases"; exit 1; fi
  switch_to "$best"
  log "current pointed at no complete release: now $best"
fi
exit 0
