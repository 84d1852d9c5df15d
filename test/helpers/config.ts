import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigSchema, type Config } from '../../runtime/config/schema.js';

/** A complete, valid config for tests: small synthetic video, everything under dir. */
export function testConfig(dir: string, overrides: Record<string, unknown> = {}): Config {
  const base = {
    version: 1,
    mode: 'production',
    camera: { id: 'CAM_L', position: 'left', source: 'synthetic' },
    http: { host: '127.0.0.1', port: 18080 },
    storage: { dataDir: join(dir, 'data') },
    video: { width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 1 },
    logging: { dir: join(dir, 'logs') },
    housekeeping: { intervalMs: 200 },
    // Every node runs the Updater: its history stays in the test's dir.
    updater: { installRoot: join(dir, 'install'), stateDir: join(dir, 'updater-state') },
    // Tests never send LAN beacons to real interfaces.
    rig: { discoveryPort: null },
  };
  return ConfigSchema.parse(merge(base, overrides));
}

export async function writeTestConfig(dir: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, 'node.yaml');
  await writeFile(file, stringify(testConfig(dir, overrides)));
  return file;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
      ? merge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
