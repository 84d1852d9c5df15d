import { createServer, type Server, type ServerResponse } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { type Row, median, percentile, fmt } from './lib.js';
import { startDemo, CHROMIUM_ARGS } from '../test/dashboard/helpers.js';

// Functions passed to page.evaluate run in Chromium; the Node build has no DOM types.
declare const document: any;
declare const window: any;
declare const performance: { now(): number };
declare const MutationObserver: any;

const RUNS = 5;
const UPDATES = 10;

/**
 * The baseline page: static HTML with three "cards" already in the markup, plus a bare
 * SSE echo so the update measure has the same mechanism (POST → event → text) with no
 * node behind it. Served by node:http, nothing else.
 */
function baselineServer(): Promise<{ server: Server; url: string }> {
  const clients = new Set<ServerResponse>();
  const html = '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>baseline</title></head>'
    + '<body data-ready="1"><article data-camera="CAM_L"><h2>CAM_L</h2><p data-f="position">left</p></article>'
    + '<article data-camera="CAM_C"><h2>CAM_C</h2><p data-f="position">centre</p></article>'
    + '<article data-camera="CAM_R"><h2>CAM_R</h2><p data-f="position">right</p></article>'
    + '<script>new EventSource("/events").addEventListener("status",(e)=>{document.querySelector(\'[data-camera="CAM_R"] [data-f="position"]\').textContent=JSON.parse(e.data).cameraPosition})</script>'
    + '</body></html>';
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      if (req.url === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('retry: 2000\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (d: Buffer) => { body += d.toString(); });
        req.on('end', () => {
          const position = (JSON.parse(body) as { camera: { position: string } }).camera.position;
          for (const c of clients) c.write(`event: status\ndata: ${JSON.stringify({ cameraPosition: position })}\n\n`);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) }).end(html);
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }));
  });
}

/** Records when the page first has every card filled (body[data-ready]), on the page's own clock. */
const READY_PROBE = `(() => {
  const check = () => {
    if (window.__readyAt || !document.body || !document.body.dataset.ready) return;
    window.__readyAt = performance.now();
    window.__readyCards = document.querySelectorAll('article[data-camera]').length;
  };
  new MutationObserver(check).observe(document, { attributes: true, childList: true, subtree: true, attributeFilter: ['data-ready'] });
})();`;

/** One cold load in a fresh browser context: bytes over the wire (CDP) and time to all cards. */
async function coldLoad(browser: Browser, url: string): Promise<{ bytes: number; readyMs: number; requests: number; cards: number }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(READY_PROBE);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const finished = new Map<string, number>();
    const streaming = new Map<string, number>();
    cdp.on('Network.dataReceived', (e) => streaming.set(e.requestId, (streaming.get(e.requestId) ?? 0) + e.encodedDataLength));
    cdp.on('Network.loadingFinished', (e) => finished.set(e.requestId, e.encodedDataLength));
    const headers = new Map<string, number>();
    cdp.on('Network.responseReceived', (e) => headers.set(e.requestId, e.response.encodedDataLength ?? 0));
    await page.goto(url);
    await page.waitForFunction(() => Boolean(window.__readyAt), undefined, { timeout: 15_000 });
    const [readyMs, cards] = await page.evaluate(() => [window.__readyAt as number, window.__readyCards as number]);
    // Everything the first view needed: finished loads in full, streams (SSE) as far as they got.
    await page.waitForTimeout(300);
    let bytes = 0;
    for (const id of new Set([...finished.keys(), ...streaming.keys(), ...headers.keys()])) {
      bytes += finished.get(id) ?? ((headers.get(id) ?? 0) + (streaming.get(id) ?? 0));
    }
    return { bytes, readyMs: readyMs!, cards: cards!, requests: new Set([...finished.keys(), ...headers.keys()]).size };
  } finally {
    await context.close();
  }
}

/** POST a new camera position; time until the card shows it (page clock and Node clock are the same machine clock). */
async function updateLatency(page: Page, postUrl: string, cameraId: string): Promise<number> {
  const value = `bench ${Math.random().toString(36).slice(2, 10)}`;
  const seen = page.evaluate(([id, v]) => new Promise<number>((resolve) => {
    const sel = `[data-camera="${id}"] [data-f="position"]`;
    const check = () => { if (document.querySelector(sel)?.textContent === v) { obs.disconnect(); resolve(Date.now()); } };
    const obs = new MutationObserver(check);
    obs.observe(document.body, { childList: true, characterData: true, subtree: true });
    check();
  }), [cameraId, value] as const);
  await page.waitForTimeout(50);
  const t0 = Date.now();
  const r = await fetch(postUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ camera: { position: value } }) });
  await r.arrayBuffer();
  return (await seen) - t0;
}

/**
 * Dashboard targets (issue 5): first-load bytes, time to three complete cards, and the
 * latency from a status change to the card, each beside a bare static page in the same run.
 */
export async function dashboard(): Promise<Row[]> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const baseline = await baselineServer();
  cleanups.push(() => new Promise<void>((r) => { baseline.server.closeAllConnections(); baseline.server.close(() => r()); }));
  try {
    const demo = await startDemo((f) => cleanups.push(f));
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    cleanups.push(() => browser.close());
    const pageUrl = `${demo.url('CAM_R')}/`;

    await coldLoad(browser, pageUrl); // warm the node's and Chromium's code paths once
    await coldLoad(browser, `${baseline.url}/`);
    const dash: Array<{ bytes: number; readyMs: number; requests: number; cards: number }> = [];
    const base: typeof dash = [];
    for (let i = 0; i < RUNS; i++) {
      dash.push(await coldLoad(browser, pageUrl));
      base.push(await coldLoad(browser, `${baseline.url}/`));
    }

    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    cleanups.push(() => ctx.close());
    const page = await ctx.newPage();
    await page.goto(pageUrl);
    await page.waitForSelector('body[data-ready="1"]');
    const bctx = await browser.newContext();
    cleanups.push(() => bctx.close());
    const bpage = await bctx.newPage();
    await bpage.goto(`${baseline.url}/`);
    await bpage.waitForTimeout(300);
    const self: number[] = [];
    const peer: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      self.push(await updateLatency(page, `${demo.url('CAM_R')}/api/v1/config`, 'CAM_R'));
      peer.push(await updateLatency(page, `${demo.url('CAM_L')}/api/v1/config`, 'CAM_L'));
      bare.push(await updateLatency(bpage, `${baseline.url}/set`, 'CAM_R'));
    }

    const bytes = median(dash.map((d) => d.bytes));
    const bBytes = median(base.map((d) => d.bytes));
    const ready = median(dash.map((d) => d.readyMs));
    const allThree = dash.every((d) => d.cards === 3);
    const bReady = median(base.map((d) => d.readyMs));
    const lat = median(self);
    const bLat = median(bare);
    return [
      { name: 'Dashboard first load, bytes transferred', value: bytes / 1024, unit: 'KB', baseline: bBytes / 1024, ratio: bytes / bBytes, target: '≤ 150 KB', met: bytes / 1024 <= 150,
        note: `Chromium CDP encodedDataLength, cache disabled, until all cards are filled; ${dash[0]!.requests} requests (page, CSS, 10 JS modules, /docs/json, /config, the SSE stream so far); baseline: static HTML from node:http` },
      { name: 'Dashboard time to three complete cards', value: ready, unit: 'ms', baseline: bReady, ratio: ready / bReady, target: '≤ 1000 ms', met: allThree && ready <= 1000,
        note: `navigation start → body[data-ready] (every card has data; ${allThree ? 'three cards every time' : `cards at ready: ${dash.map((d) => d.cards).join(', ')}`}), median of ${RUNS} cold loads on loopback: ${dash.map((d) => fmt(d.readyMs, 0)).join(', ')} ms; baseline: same page-ready probe on a static page` },
      { name: 'Status change → card text (this node)', value: lat, unit: 'ms', baseline: bLat, ratio: lat / bLat, target: '≤ 300 ms', met: lat <= 300,
        note: `POST /config camera.position on CAM_R → text on CAM_R's card, median of ${UPDATES} (p95 ${fmt(percentile(self, 95), 0)} ms); baseline: bare node:http SSE echo to a static page (p95 ${fmt(percentile(bare, 95), 0)} ms)` },
      { name: 'Status change on a peer → card text', value: median(peer), unit: 'ms', baseline: bLat, ratio: median(peer) / bLat, target: '≤ 300 ms', met: median(peer) <= 300,
        note: `POST /config on CAM_L → CAM_L's card on R's page, through the rig's replication and \`event: rig\`; median of ${UPDATES} (p95 ${fmt(percentile(peer, 95), 0)} ms)` },
    ];
  } finally {
    for (const f of cleanups.reverse()) await f();
  }
}
