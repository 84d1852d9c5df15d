import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { tempDir } from '../../helpers/tmp.js';

/** Tests using it must be serial: PATH is process-wide. */
/** Captured `nmcli -t` outputs from a Pi 5 on Bookworm (NetworkManager 1.42). */
export const FIXTURES = fileURLToPath(new URL('../../../../test/runtime/network/fixtures/', import.meta.url));

/**
 * A fake `nmcli` (and `iw`) put first on PATH: it appends its argv (fields joined by a
 * unit separator) to a log and plays back the output files of its state directory, which
 * the test swaps between ticks to play a field network coming and going.
 */
const SCRIPT = `#!/usr/bin/env bash
dir="$(dirname "$0")/state"
(IFS=$'\\x1f'; printf '%s\\n' "$(basename "$0")$IFS$*") >> "$dir/../calls.log"
[ "$(basename "$0")" = iw ] && exit 0
case "$*" in
  "-t -f RUNNING general") cat "$dir/general" ;;
  "-t -f NAME,TYPE,DEVICE,STATE connection show --active") cat "$dir/active" ;;
  "-t -f NAME connection show") cat "$dir/profiles" ;;
  *"device wifi list"*)
    if [ -f "$dir/fail-scan" ]; then echo "Error: Scanning not allowed while in AP mode." >&2; exit 1; fi
    cat "$dir/scan" ;;
  "--wait 20 connection up "*)
    name="\${*: -1}"
    if [ -f "$dir/fail-up-$name" ]; then echo "Error: Connection activation failed: No network with SSID found." >&2; exit 4; fi ;;
  "connection add "*|"connection modify "*|"connection down "*) ;;
  *) echo "fake nmcli: unexpected call: $*" >&2; exit 2 ;;
esac
`;

export interface FakeNmcli {
  dir: string;
  /** Replaces one playback file (active, scan, profiles, general) with a fixture or text. */
  set(name: string, fixtureOrText: string): Promise<void>;
  failUp(profile: string): Promise<void>;
  failScan(): Promise<void>;
  calls(): Promise<string[][]>;
}

export async function fakeNmcli(t: ExecutionContext): Promise<FakeNmcli> {
  const dir = await tempDir(t, 'fake-nmcli-');
  await mkdir(join(dir, 'state'));
  for (const tool of ['nmcli', 'iw']) {
    await writeFile(join(dir, tool), SCRIPT);
    await chmod(join(dir, tool), 0o755);
  }
  await writeFile(join(dir, 'calls.log'), '');
  await writeFile(join(dir, 'state', 'general'), 'running\n');
  await copyFile(join(FIXTURES, 'active-none.txt'), join(dir, 'state', 'active'));
  await copyFile(join(FIXTURES, 'profiles.txt'), join(dir, 'state', 'profiles'));
  await copyFile(join(FIXTURES, 'scan-away.txt'), join(dir, 'state', 'scan'));
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  t.teardown(() => { process.env.PATH = oldPath; });
  return {
    dir,
    async set(name, fixtureOrText) {
      const text = fixtureOrText.endsWith('.txt') ? await readFile(join(FIXTURES, fixtureOrText), 'utf8') : fixtureOrText;
      await writeFile(join(dir, 'state', name), text);
    },
    async failUp(profile) { await writeFile(join(dir, 'state', `fail-up-${profile}`), ''); },
    async failScan() { await writeFile(join(dir, 'state', 'fail-scan'), ''); },
    async calls() {
      return (await readFile(join(dir, 'calls.log'), 'utf8')).split('\n').filter(Boolean).map((l) => l.split('\x1f'));
    },
  };
}
