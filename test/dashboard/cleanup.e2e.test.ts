import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { startDemo, launch, screenshot, waitUntil, recordOneTake, ARTIFACTS, type Demo, type Browser, type DemoRecording } from './helpers.js';

/**
 * "Delete offloaded files" and the deletion list in real Chromium against the real three-node
 * demo (three OS processes): a session is recorded through the rig, one camera's file is
 * confirmed with the sha256 of its real bytes, and the page of another node deletes it.
 */
// Functions passed to page.evaluate/waitForFunction run in Chromium; this build has no DOM types.
declare const document: any;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const model: any = await import(new URL('../../../http/public/js/model.js', import.meta.url).href);

const CAMS = ['CAM_L', 'CAM_C', 'CAM_R'] as const;
type Cam = (typeof CAMS)[number];
type Rec = DemoRecording;
const cleanups: Array<() => Promise<void> | void> = [];
let demo: Demo;
let files: Rec[] = [];

async function rest(id: Cam, path: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const r = await fetch(`${demo.url(id)}${path}`, init);
  return { status: r.status, body: await r.json().catch(() => null) };
}
const post = (id: Cam, path: string, body: unknown = {}) => rest(id, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const served = async (m: Rec) => (await fetch(`${demo.url(m.cameraId)}/recordings/${encodeURIComponent(m.file)}`, { headers: { range: 'bytes=0-0' } })).status;

test.before(async () => {
  demo = await startDemo((f) => cleanups.push(f));
  // One real take on every camera, started through the rig, frames flowing, stopped.
  files = (await recordOneTake(demo, 'CAM_R')).recordings;
});
test.after.always(async () => {
  for (const f of cleanups.reverse()) await f();
});

async function open(t: ExecutionContext): Promise<Browser> {
  const b = await launch((f) => t.teardown(f));
  await b.page.goto(`${demo.url('CAM_R')}/#recordings`);
  await b.page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });
  return b;
}

test.serial('Delete offloaded files: the dialog says what it frees, cancel deletes nothing, confirm deletes only the confirmed file and says so per node', async (t) => {
  const l = files.find((m) => m.cameraId === 'CAM_L')!;
  const others = files.filter((m) => m !== l);
  // The offload tool's part: hash the real bytes it copied, confirm with that sha256.
  const bytes = Buffer.from(await (await fetch(`${demo.url('CAM_L')}/recordings/${encodeURIComponent(l.file)}`)).arrayBuffer());
  t.is(bytes.length, l.sizeBytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const confirmed = await post('CAM_L', '/api/v1/recordings/confirm', { sessionId: l.sessionId, cameraId: 'CAM_L', file: l.file, checksum: { algo: 'sha256', value: sha256 } });
  t.is(confirmed.status, 200, JSON.stringify(confirmed.body));
  // The page's node (R) knows it once the confirmation has replicated.
  await waitUntil(async () => ((await rest('CAM_R', '/api/v1/rig/recordings')).body.recordings as Rec[]).some((m) => m.file === l.file && m.offloaded), 15_000, 200);

  const b = await open(t);
  const deletes: string[] = [];
  b.page.on('request', (req) => { if (req.method() === 'DELETE') deletes.push(new URL(req.url()).pathname); });
  const freeText = model.fmtBytes(l.sizeBytes) as string;
  await b.page.waitForFunction((n) => document.querySelector('#cleanup-nodes li[data-camera="CAM_L"]')?.dataset.bytes === String(n), l.sizeBytes, { timeout: 10_000 });
  t.is(await b.page.locator('#cleanup-total').innerText(), `${freeText} in 1 offloaded file can be freed.`);
  t.deepEqual(await b.page.locator('#cleanup-nodes li span').allInnerTexts(), [`CAM_L: ${freeText} (1 file)`, 'CAM_C: nothing to delete', 'CAM_R: nothing to delete']);

  // Cancel: nothing is asked of any node, the file stays.
  const dialog = b.page.locator('dialog#confirm');
  await b.page.locator('#cleanup-all').click();
  await dialog.waitFor({ state: 'visible', timeout: 5000 });
  t.is(await b.page.locator('#confirm-text').innerText(),
    `Delete the offloaded files on all cameras? This frees ${freeText} (CAM_L ${freeText}, 1 file; CAM_C nothing; CAM_R nothing). Files not confirmed as offloaded stay.`);
  await screenshot(b.page, 'cleanup-confirm-390x844.png');
  await b.page.locator('#confirm-cancel').click();
  await dialog.waitFor({ state: 'hidden', timeout: 5000 });
  t.deepEqual(deletes, [], 'cancel sends no delete');
  t.is(await served(l), 206, 'cancel deletes nothing');
  t.is(await b.page.locator('#cleanup-msg').innerText(), '');

  // Confirm: every node answers; only the confirmed file goes.
  await b.page.locator('#cleanup-all').click();
  await dialog.waitFor({ state: 'visible', timeout: 5000 });
  const answer = b.page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith('/api/v1/rig/recordings/offloaded'));
  await b.page.locator('#confirm-ok').click();
  const body = await (await answer).json();
  t.is(body.freedBytes, l.sizeBytes, 'the node freed what the dialog said');
  await b.page.waitForFunction(() => /^Freed /.test(document.querySelector('#cleanup-msg')?.textContent ?? ''), undefined, { timeout: 10_000 });
  t.is(await b.page.locator('#cleanup-msg').innerText(), `Freed ${freeText}.`);
  const lines = await b.page.locator('#cleanup-result li').allInnerTexts();
  t.deepEqual(lines, [
    `CAM_L: freed ${freeText} (1 file deleted)`,
    ...others.sort((a, b2) => CAMS.indexOf(a.cameraId) - CAMS.indexOf(b2.cameraId)).map((m) => `${m.cameraId}: nothing deleted · kept ${m.file}: not confirmed as offloaded`),
  ]);
  t.deepEqual(deletes, ['/api/v1/rig/recordings/offloaded']);
  t.is(await served(l), 404, 'the confirmed file is gone from its node');
  for (const m of others) t.is(await served(m), 206, `${m.cameraId}'s unconfirmed file stays`);

  // The deletion reaches the rig log, and the page's list of recent deletions shows it.
  const entry = b.page.locator(`#deletions li[data-file="${l.file}"]`);
  await entry.waitFor({ state: 'attached', timeout: 30_000 });
  t.regex(await entry.innerText(), new RegExp(`CAM_L · ${l.file.replace(/[.]/g, '\\.')} · ${freeText.replace('.', '\\.')} freed · Delete offloaded files$`));
  t.is(await entry.getAttribute('data-reason'), 'operator');
  await b.page.locator('#cleanup-panel').screenshot({ path: join(ARTIFACTS, 'cleanup-panel-390.png') });
  // Once the deleted manifest has replicated to R, the list marks the file deleted (no dead link).
  await waitUntil(async () => ((await rest('CAM_R', '/api/v1/rig/recordings')).body.recordings as Rec[]).some((m) => m.file === l.file && m.deletedAt), 15_000, 200);
  await b.page.locator('#recordings-refresh').click();
  const row = b.page.locator(`li.rec[data-file="${l.file}"][data-deleted="true"]`);
  await row.waitFor({ timeout: 10_000 });
  t.regex(await row.innerText(), /offloaded ✓ · deleted[\s\S]*deleted from the node after its offload/);
  await b.page.waitForFunction(() => /^Nothing to delete/.test(document.querySelector('#cleanup-total')?.textContent ?? ''), undefined, { timeout: 10_000 });
  await screenshot(b.page, 'cleanup-done-390x844.png');
  t.deepEqual(b.errors, [], 'no console errors');
});

test.serial('one node: nothing confirmed there, so the dialog says nothing to delete; confirmed, it deletes nothing else', async (t) => {
  const c = files.find((m) => m.cameraId === 'CAM_C')!;
  const b = await open(t);
  await b.page.locator('#cleanup-nodes li[data-camera="CAM_C"]').waitFor({ timeout: 10_000 });
  await b.page.locator('#cleanup-nodes li[data-camera="CAM_C"] button').click();
  await b.page.locator('dialog#confirm').waitFor({ state: 'visible', timeout: 5000 });
  t.regex(await b.page.locator('#confirm-text').innerText(), /^Nothing to delete on CAM_C: /);
  const answer = b.page.waitForResponse((r) => r.request().method() === 'DELETE' && r.url().endsWith('/api/v1/rig/nodes/CAM_C/recordings/offloaded'));
  await b.page.locator('#confirm-ok').click();
  t.is((await answer).status(), 200);
  await b.page.waitForFunction(() => /^Freed /.test(document.querySelector('#cleanup-msg')?.textContent ?? ''), undefined, { timeout: 10_000 });
  t.deepEqual(await b.page.locator('#cleanup-result li').allInnerTexts(), [`CAM_C: nothing deleted · kept ${c.file}: not confirmed as offloaded`]);
  t.is(await served(c), 206);
  t.deepEqual(b.errors, [], 'no console errors');
});
