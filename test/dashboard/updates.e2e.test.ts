import test from 'ava';
import type { AddressInfo } from 'node:net';
import { testApp } from '../helpers/app.js';
import { spawnUpdater, twoReleases } from '../actors/updater/helpers.js';
import { launch, screenshot, waitUntil } from './helpers.js';

/**
 * The update controls in real Chromium against a node's real HTTP app with a real Updater
 * actor, real signed release tarballs (soccer-rig release) and a Releases API served from
 * loopback (report.e2e.test.ts shows them in the demo, whose nodes have no release source).
 * The node has no rig view here, so its page shows this one camera.
 */
// Functions passed to page.evaluate/waitForFunction run in Chromium; this build has no DOM types.
declare const document: any;

const releases = twoReleases(test);
const { k } = releases;

/** The page answers the in-page confirmation whose text matches. */
async function confirm(page: import('playwright-core').Page, text: RegExp): Promise<void> {
  await page.locator('#confirm[open]').waitFor({ timeout: 10_000 });
  await waitUntil(async () => text.test(await page.locator('#confirm-text').innerText()) || null, 10_000);
  await page.locator('#confirm-ok').click();
}

test('check, apply while recording (refused, queued, run once idle) and the history, from the page', async (t) => {
  const u = await spawnUpdater(t, releases.v010, releases.v020, k);
  const { app } = await testApp(t, {}, { update: { update: u.update }, board: u.board, ownHosts: () => ['127.0.0.1'] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const b = await launch((f) => t.teardown(f));
  await b.page.goto(`${base}/#settings`);

  const panel = b.page.locator('#update-panel');
  await panel.waitFor({ state: 'visible', timeout: 10_000 });
  t.is(await b.page.locator('#update-current').innerText(), '0.1.0');
  t.is(await b.page.locator('#update-latest').innerText(), 'not checked yet');
  await waitUntil(async () => /No update activity yet/.test(await b.page.locator('#update-history').innerText()) || null, 10_000);
  t.regex(await b.page.locator('#update-nodes').innerText(), /CAM_L \(this node\): 0\.1\.0 · idle/);

  await b.page.locator('#update-check').click();
  await waitUntil(async () => /Version 0\.2\.0 is available \(running 0\.1\.0\)/.test(await b.page.locator('#update-msg').innerText()) || null, 20_000);
  await waitUntil(async () => (await b.page.locator('#update-latest').innerText()) === '0.2.0' || null, 10_000);
  await b.page.locator('#update-history li[data-kind="check"]').waitFor({ timeout: 10_000 });
  t.regex(await b.page.locator('#update-history li[data-kind="check"]').first().innerText(), /check · 0\.1\.0 → 0\.2\.0 · 0\.2\.0 is available/);

  // Recording: the node refuses (409); the page offers "apply when idle", which queues it.
  u.board.patch({ state: 'recording' });
  await b.page.locator('#update-apply').click();
  await confirm(b.page, /Update CAM_L to 0\.2\.0\?/);
  await confirm(b.page, /CAM_L is recording\. Apply the update once it is idle\?/);
  await waitUntil(async () => /Queued: CAM_L updates by itself once the recording stops/.test(await b.page.locator('#update-msg').innerText()) || null, 10_000);
  t.deepEqual(u.restarts, [], 'nothing installed during the recording');
  t.is(((await (await fetch(`${base}/api/v1/status`)).json()) as { update: { state: string } }).update.state, 'queued');
  await screenshot(b.page, 'dashboard-update-queued.png');

  // Idle again: the queued apply runs by itself; the node restarts (here: recorded) into 0.2.0.
  u.board.patch({ state: 'idle' });
  await waitUntil(async () => u.restarts.length === 1 || null, 60_000);
  // The page re-reads the history while the update runs: it catches up with the node's.
  const history = await waitUntil(async () => {
    const { entries } = (await (await fetch(`${base}/api/v1/update/history`)).json()) as { entries: Array<{ kind: string; message: string }> };
    return entries.some((e) => e.kind === 'apply' && /installed 0\.2\.0/.test(e.message)) ? entries : null;
  }, 10_000);
  const kinds = () => b.page.locator('#update-history li').evaluateAll((lis) => lis.map((li) => (li as any).dataset.kind as string));
  await waitUntil(async () => JSON.stringify(await kinds()) === JSON.stringify(history.map((e) => e.kind).reverse()) || null, 15_000)
    .catch(async () => t.fail(`page history ${JSON.stringify(await kinds())}, node ${JSON.stringify(history.map((e) => e.kind))}`));
  t.log(`history: ${history.map((e) => `${e.kind}: ${e.message}`).join(' | ')}`);

  // Rig-wide apply needs the rig: this node has none, and the page shows the node's refusal.
  await b.page.locator('#update-rig-apply').click();
  await confirm(b.page, /Update ALL cameras/);
  await waitUntil(async () => /Rig update refused: this node cannot reach the rig/.test(await b.page.locator('#update-msg').innerText()) || null, 10_000);

  // The only console errors are the node's answers the test provoked: no rig view (503), the
  // refused apply while recording (409) and the refused rig-wide apply (503).
  const left = b.errors.filter((e) => !/Failed to load resource.*(503|409)/.test(`${e.text} ${e.url}`));
  t.deepEqual(left, [], 'no other console errors');
});
