#!/usr/bin/env bash
# Sets up whatever is missing to run soccer-rig from this checkout, then builds it:
#   - system packages (ffmpeg; chrony; for --test also chromium and iproute2), via apt-get
#     when run as root or with passwordless sudo, otherwise it says what to install;
#   - npm packages (npm ci, only when package-lock.json changed since the last install);
#   - the TypeScript build (incremental).
# Run by `npm start` and `npm test` before they do anything else; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=0
[ "${1:-}" = "--test" ] && for_tests=1

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "soccer-rig needs Node.js 20 or newer (this is $(node --version))." >&2
  exit 1
fi

# package -> a command it provides
declare -A provides=([ffmpeg]=ffprobe [chrony]=chronyd)
if [ "$for_tests" = 1 ]; then provides+=([chromium]=chromium [iproute2]=ip [shellcheck]=shellcheck [qemu-user-static]=qemu-aarch64-static [faketime]=faketime); fi

missing=()
for pkg in "${!provides[@]}"; do
  cmd=${provides[$pkg]}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else sudo="none"; fi
  if [ "$sudo" = none ] || ! command -v apt-get >/dev/null; then
    echo "soccer-rig: missing system packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "soccer-rig: installing ${missing[*]} with apt-get"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.soccer-rig-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "soccer-rig: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

npx --no-install tsc -p tsconfig.json
