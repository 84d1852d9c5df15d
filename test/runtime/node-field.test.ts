import test from 'ava';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTestConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/tmp.js';
import { freePort, freeUdpPort, waitFor } from '../helpers/net.js';
import { runCli } from '../helpers/cli.js';
import { fakeNmcli } from './network/fake-nmcli.js';
import { launch } from '../dashboard/helpers.js';

/**
 * The field network and health tones in a real node process: NetworkManager is the fake nmcli
 * (captured Pi outputs, swapped to play the rig Wi-Fi going away), the speaker a fake aplay
 * that logs each tone, and the page real Chromium.
 */
test.serial('network.manage: the node follows NetworkManager, network.mode becomes ap, the change is in the rig log, a tone plays and the page shows the AP banner', async (t) => {
  const nm = await fakeNmcli(t);
  await nm.set('active', 'active-field.txt');
  const speaker = await tempDir(t, 'fake-aplay-');
  await writeFile(join(speaker, 'aplay'), `#!/bin/sh\necho "$*" >> "${speaker}/played.log"\n[ "$1" = --version ] && exit 0\ncat > /dev/null\n`);
  await chmod(join(speaker, 'aplay'), 0o755);
  const dir = await tempDir(t);
  const port = await freePort();
  const configPath = await writeTestConfig(dir, {
    network: { manage: true, wpa2Key: 'field-key-123' },
    rig: { secret: 'test-rig-secret-0123456789', dhtHost: '127.0.0.1', dhtPort: await freeUdpPort() },
  });
  const proc = runCli(t, ['node', '--config', configPath, '--port', String(port)], { PATH: `${speaker}:${process.env.PATH}` });
  const base = `http://127.0.0.1:${port}`;
  const status = async () => (await (await fetch(`${base}/api/v1/status`)).json()) as any;
  await waitFor(async () => (await status()).network.mode === 'mesh', 20_000);

  // The rig Wi-Fi goes; the node's own access point is up (as NetworkManager reports it).
  await nm.set('active', 'active-ap.txt');
  const ap = await waitFor(async () => { const s = await status(); return s.network.mode === 'ap' ? s : null; }, 20_000);
  t.is(ap.network.mode, 'ap');
  const calls = await nm.calls();
  t.true(calls.some((c) => c[0] === 'nmcli' && c.includes('connection') && c.includes('add')), 'the field and AP profiles were set up');

  const notes = await waitFor(async () => {
    const r = (await (await fetch(`${base}/api/v1/rig/log`)).json()) as { notes: any[] };
    const net = r.notes.filter((n) => n.type === 'network');
    return net.length >= 2 ? net : null;
  }, 10_000);
  t.like(notes[0], { by: 'CAM_L', cameraId: 'CAM_L', from: 'joining', to: 'client', reason: 'joined SOCCER_RIG' });
  t.like(notes[1], { from: 'client', to: 'joining', reason: 'lost SOCCER_RIG' });

  // The operator at the camera hears it: the network tone went to the speaker.
  const played = await waitFor(async () => {
    const log = await readFile(join(speaker, 'played.log'), 'utf8').catch(() => '');
    return log.split('\n').filter((l) => l === '-q -').length >= 1 ? log : null;
  }, 10_000);
  t.regex(played, /^--version$/m);

  const b = await launch((f) => t.teardown(f));
  await b.page.goto(`${base}/`);
  const banner = b.page.locator('#ap-banner');
  await banner.waitFor({ state: 'visible', timeout: 15_000 });
  t.regex(await banner.innerText(), /AP mode\. CAM_L lost the rig Wi-Fi and runs its own network "SOCCER_CAM_L"; phones on it reach only CAM_L\./);
  t.deepEqual(b.errors, [], 'no console errors');

  proc.kill('SIGTERM');
  const end = await proc;
  t.is(end.exitCode, 0, `${end.signal ?? ''} ${end.all?.slice(-2000)}`);
});
