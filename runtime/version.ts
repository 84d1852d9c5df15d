import { readFileSync } from 'node:fs';

/** The software version, read once from package.json (two levels above dist/runtime). */
export const softwareVersion: string = (() => {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'soccer-rig' && pkg.version) return pkg.version;
    } catch {
      // Not at this depth: try the next candidate.
    }
  }
  return '0.0.0-unknown';
})();

/** The version as people read it (the spec's form): `soccer-rig-X.Y.Z`. Scripts keep reading the bare one. */
export function versionLabel(version: string = softwareVersion): string {
  return version.startsWith('soccer-rig-') ? version : `soccer-rig-${version}`;
}
