import test from 'ava';
import { execaRunner } from '../../../actors/recorder/runner.js';
import { FieldNetwork, startFieldNetwork, wifiSettings } from '../../../runtime/network/field-network.js';
import { AP_PROFILE, FIELD_PROFILE, createNmcli } from '../../../runtime/network/nmcli.js';
import type { Transition } from '../../../runtime/network/decide.js';
import { StatusBoard } from '../../../runtime/status.js';
import { blankStatus } from '../../helpers/app.js';
import { testConfig } from '../../helpers/config.js';
import { fakeNmcli } from './fake-nmcli.js';
import { waitFor } from '../../helpers/net.js';

const timings = { joinTimeoutMs: 45_000, retryMs: 15_000, scanMs: 60_000, probeMs: 600_000 };

async function setup(t: any, key: string | null = 'field-pass-1234') {
  const fake = await fakeNmcli(t);
  let clock = 0;
  const board = new StatusBoard(blankStatus());
  const cfg = testConfig('/tmp/net', { network: { wpa2Key: key, manage: true } });
  const net = new FieldNetwork({ nmcli: createNmcli(execaRunner), board, settings: wifiSettings(cfg), now: () => clock, timings, tickMs: 3_600_000 });
  const transitions: Transition[] = [];
  net.on('transition', (tr: Transition) => transitions.push(tr));
  t.teardown(() => net.stop());
  const upCalls = async () => (await fake.calls()).filter((c) => c[1] === '--wait' || c[2] === 'down').map((c) => `${c[c.length - 2]} ${c[c.length - 1]}`);
  return { fake, board, net, transitions, upCalls, at: (ms: number) => { clock = ms; } };
}

test.serial('boot without the field network: joins, falls back to SOCCER_CAM_L, rejoins when the network is back', async (t) => {
  const { fake, board, net, transitions, upCalls, at } = await setup(t);
  await fake.failUp(FIELD_PROFILE);
  await net.start();
  t.is(board.snapshot().network.mode, 'unknown');
  t.deepEqual(board.snapshot().warnings.map((w) => w.code), ['NETWORK_JOINING']);

  at(45_000);
  await net.tick();
  t.is(net.phase, 'ap');
  await fake.set('active', 'active-ap.txt');
  at(50_000);
  await net.tick();
  t.is(board.snapshot().network.mode, 'ap');
  t.regex(board.snapshot().warnings[0]!.message, /SOCCER_CAM_L/);

  at(105_000); // a scan: only the neighbours
  await net.tick();
  t.is(net.phase, 'ap');
  await fake.set('scan', 'scan-back.txt');
  at(165_000); // next scan sees SOCCER_RIG: AP down, join
  await net.tick();
  t.is(net.phase, 'joining');
  await fake.set('active', 'active-field.txt');
  at(166_000);
  await net.tick();
  t.is(board.snapshot().network.mode, 'mesh');
  t.deepEqual(board.snapshot().warnings, []);

  t.deepEqual(transitions.map((tr) => `${tr.from}>${tr.to}`), ['joining>ap', 'ap>joining', 'joining>client']);
  t.deepEqual(await upCalls(), [`up ${FIELD_PROFILE}`, `up ${AP_PROFILE}`, `down ${AP_PROFILE}`, `up ${FIELD_PROFILE}`]);
  const calls = await fake.calls();
  t.true(calls.some((c) => c.join(' ') === 'iw dev wlan0 set power_save off'));
  t.is(calls.filter((c) => c[2] === 'add').length, 2, 'both profiles were created at start');
});

test.serial('a driver refusing to scan in AP mode: no warning storm, the field network is probed every ten minutes', async (t) => {
  const { fake, board, net, transitions, at } = await setup(t);
  await fake.failUp(FIELD_PROFILE);
  await fake.failScan();
  await net.start();
  at(45_000);
  await net.tick();
  await fake.set('active', 'active-ap.txt');
  at(105_000);
  await net.tick();
  t.is(net.phase, 'ap');
  t.deepEqual(board.snapshot().warnings.map((w) => w.code), ['NETWORK_AP']);
  at(645_000);
  await net.tick();
  t.is(net.phase, 'joining');
  t.regex(transitions.at(-1)!.reason, /cannot scan as an access point/);
});

test.serial('field network present at boot: mesh mode at the first tick, no access point ever', async (t) => {
  const { fake, board, net, transitions, upCalls } = await setup(t);
  await fake.set('active', 'active-field.txt');
  await net.start();
  t.is(board.snapshot().network.mode, 'mesh');
  t.deepEqual(transitions.map((tr) => tr.reason), ['joined SOCCER_RIG']);
  t.deepEqual(await upCalls(), []);
});

test.serial('no NetworkManager: a warning, nothing else is called', async (t) => {
  const { fake, board, net } = await setup(t);
  await fake.set('general', 'stopped\n');
  await net.start();
  t.deepEqual(board.snapshot().warnings.map((w) => w.code), ['NETWORK_UNMANAGED']);
  t.deepEqual((await fake.calls()).map((c) => c.slice(1).join(' ')), ['-t -f RUNNING general']);
});

test.serial('no key: after the timeout it says so instead of opening an unprotected access point', async (t) => {
  const { fake, board, net, at, upCalls } = await setup(t, null);
  await fake.failUp(FIELD_PROFILE);
  await net.start();
  at(45_000);
  await net.tick();
  t.deepEqual(board.snapshot().warnings.map((w) => w.code), ['NETWORK_AP', 'NETWORK_NO_KEY']);
  t.false((await upCalls()).includes(`up ${AP_PROFILE}`));
});

test.serial('startFieldNetwork: off unless network.manage, and then it runs and reports transitions', async (t) => {
  const fake = await fakeNmcli(t);
  await fake.set('active', 'active-field.txt');
  const board = new StatusBoard(blankStatus());
  const seen: Transition[] = [];
  const nmcli = createNmcli(execaRunner);
  t.is(startFieldNetwork(testConfig('/tmp/net'), { board, nmcli, onTransition: (tr) => seen.push(tr) }), null);
  t.deepEqual(await fake.calls(), [], 'not managed: nmcli is never called');
  const net = startFieldNetwork(testConfig('/tmp/net', { network: { manage: true, wpa2Key: 'field-pass-1234' } }), { board, nmcli, onTransition: (tr) => seen.push(tr) });
  t.teardown(() => net?.stop());
  await waitFor(async () => board.snapshot().network.mode === 'mesh', 10_000);
  t.deepEqual(seen.map((tr) => tr.to), ['client']);
});
