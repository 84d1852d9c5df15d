import { statfs, readFile } from 'node:fs/promises';
import si from 'systeminformation';
import type { Config } from './config/schema.js';

/** The side effects the Housekeeper needs, behind one seam so its logic is tested with fakes. */
export interface SystemProbe {
  disk(dir: string): Promise<{ freeBytes: number; totalBytes: number }>;
  temperatureC(): Promise<number | null>;
  loadPercent(): Promise<number | null>;
  batteryPercent(): Promise<number | null>;
}

export function createSystemProbe(battery: Config['battery']): SystemProbe {
  return {
    async disk(dir) {
      const s = await statfs(dir);
      // bavail, not bfree: what an unprivileged writer like ffmpeg can really use.
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    },
    async temperatureC() {
      const t = await si.cpuTemperature();
      return typeof t.main === 'number' && Number.isFinite(t.main) ? t.main : null;
    },
    async loadPercent() {
      const l = await si.currentLoad();
      return Number.isFinite(l.currentLoad) ? Math.round(l.currentLoad * 10) / 10 : null;
    },
    batteryPercent: batteryProvider(battery),
  };
}

/** Battery level from nothing, a sysfs power_supply capacity file, or a command (UPS HATs). */
export function batteryProvider(cfg: Config['battery']): () => Promise<number | null> {
  switch (cfg.provider) {
    case 'none':
      return async () => null;
    case 'sysfs':
      return async () => parsePercent(await readFile(cfg.path, 'utf8'));
    case 'command':
      return async () => {
        const [cmd, ...args] = cfg.command as [string, ...string[]];
        const { execa } = await import('execa');
        const { stdout } = await execa(cmd, args, { timeout: 5_000 });
        return parsePercent(stdout);
      };
  }
}

/** Accepts "87", "87%", "87.5\n"; anything else is a provider fault, reported, not guessed. */
export function parsePercent(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const v = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(v) || v < 0 || v > 100) throw new Error(`not a battery percentage: ${JSON.stringify(text.slice(0, 40))}`);
  return v;
}
