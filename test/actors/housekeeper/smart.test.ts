import test from 'ava';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { driveWarnings, parseNvmeSmartLog, parseSmartctl } from '../../../actors/housekeeper/smart.js';

const FIX = fileURLToPath(new URL('../../../../test/actors/housekeeper/fixtures/', import.meta.url));
const json = async (f: string) => JSON.parse(await readFile(FIX + f, 'utf8'));

test('smartctl -j -a on a healthy NVMe: all read, no warning', async (t) => {
  const h = parseSmartctl(await json('smartctl-nvme-healthy.json'));
  t.deepEqual(h, { passed: true, criticalWarning: 0, availableSpare: 100, spareThreshold: 10, percentUsed: 3, mediaErrors: 0 });
  t.deepEqual(driveWarnings('/dev/nvme0', h), []);
});

test('smartctl -j -a on a worn, failing NVMe: every problem has its own code', async (t) => {
  const w = driveWarnings('/dev/nvme0', parseSmartctl(await json('smartctl-nvme-worn.json')));
  t.deepEqual(w.map((x) => x.code), ['STORAGE_FAILING', 'STORAGE_CRITICAL_WARNING', 'STORAGE_WORN', 'STORAGE_MEDIA_ERRORS']);
  t.regex(w[2]!.message, /97 % of its rated life used, 7 % spare/);
  t.regex(w[3]!.message, /12 media error/);
});

test('nvme smart-log -o json, nvme-cli 2.4 (Bookworm): numbers', async (t) => {
  const h = parseNvmeSmartLog(await json('nvme-smart-log-2.4.json'));
  t.deepEqual(h, { passed: null, criticalWarning: 0, availableSpare: 100, spareThreshold: 10, percentUsed: 1, mediaErrors: 0 });
  t.deepEqual(driveWarnings('/dev/nvme0', h), []);
});

test('nvme smart-log -o json, nvme-cli 2.9+: critical warning as bits, percentages as strings', async (t) => {
  const h = parseNvmeSmartLog(await json('nvme-smart-log-2.9-critical.json'));
  t.is(h.criticalWarning, 4);
  t.is(h.availableSpare, 100);
  t.is(h.percentUsed, 1);
  t.deepEqual(driveWarnings('/dev/nvme0', h).map((x) => x.code), ['STORAGE_CRITICAL_WARNING', 'STORAGE_MEDIA_ERRORS']);
});

test('spare at its threshold is worn even when the rated life is not used up; garbage reads as unknown', (t) => {
  const h = { passed: null, criticalWarning: 0, availableSpare: 10, spareThreshold: 10, percentUsed: 40, mediaErrors: 0 };
  t.deepEqual(driveWarnings('/dev/nvme0', h).map((x) => x.code), ['STORAGE_WORN']);
  t.deepEqual(parseSmartctl({ smart_status: 'yes' }), { passed: null, criticalWarning: null, availableSpare: null, spareThreshold: null, percentUsed: null, mediaErrors: null });
  t.deepEqual(driveWarnings('/dev/sda', parseSmartctl(null)), []);
});
