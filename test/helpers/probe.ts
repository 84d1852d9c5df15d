import type { SystemProbe } from '../../runtime/system-probe.js';

/** A SystemProbe with fixed readings; each field can be replaced per test. */
export function fakeProbe(over: Partial<SystemProbe> = {}): SystemProbe {
  return {
    disk: async () => ({ freeBytes: 500e9, totalBytes: 1000e9 }),
    temperatureC: async () => 55,
    loadPercent: async () => 12.5,
    batteryPercent: async () => null,
    ...over,
  };
}
