import test from 'ava';
import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createNotifier } from '../../runtime/sd-notify.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/net.js';

test('without NOTIFY_SOCKET every call is a no-op', async (t) => {
  const sent: string[][] = [];
  const n = createNotifier({}, async (a) => { sent.push(a); });
  await n.ready();
  await n.stopping();
  n.startWatchdog()();
  t.deepEqual(sent, []);
});

test('READY, STOPPING and watchdog pings at half of WATCHDOG_USEC', async (t) => {
  const sent: string[][] = [];
  const n = createNotifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000' }, async (a) => { sent.push(a); });
  await n.ready();
  const started = Date.now();
  const stopWatchdog = n.startWatchdog();
  // Wait for the second ping (due at 1 s), not a fixed time: a loaded machine may be late.
  await waitFor(async () => sent.filter((a) => a[0] === 'WATCHDOG=1').length >= 2, 10_000, 10);
  stopWatchdog();
  t.true(Date.now() - started >= 950, 'the second ping is not early: pings come every WATCHDOG_USEC / 2');
  await n.stopping();
  t.deepEqual(sent[0], ['READY=1']);
  const pings = sent.filter((a) => a[0] === 'WATCHDOG=1').length;
  t.true(pings >= 2 && pings <= 3, `pings: ${pings}`);
  t.deepEqual(sent[sent.length - 1], ['STOPPING=1']);
});

test('a failing notify helper never throws into the node', async (t) => {
  const n = createNotifier({ NOTIFY_SOCKET: '/run/x' }, async () => { throw new Error('ENOENT systemd-notify'); });
  await t.notThrowsAsync(n.ready());
});

const haveTools = ['systemd-notify', 'python3'].every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
if (!haveTools) console.log('sd-notify: skipping the real systemd-notify test: needs systemd-notify and python3 (to listen on a unix datagram socket, which Node cannot)');
(haveTools ? test : test.skip)('real systemd-notify delivers READY=1 to the notify socket', async (t) => {
  const dir = await tempDir(t);
  const sock = join(dir, 'notify.sock');
  const listener = execa('python3', ['-c', [
    'import socket,sys',
    's=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    `s.bind(${JSON.stringify(sock)})`,
    'print("bound", flush=True)',
    's.settimeout(5)',
    'print(s.recv(4096).decode(), flush=True)',
  ].join('\n')], { reject: false, buffer: true });
  t.teardown(() => listener.kill());
  await new Promise<void>((resolve) => listener.stdout!.once('data', () => resolve()));
  await createNotifier({ NOTIFY_SOCKET: sock }).ready();
  const out = await listener;
  t.regex(out.stdout, /READY=1/);
  t.regex(out.stdout, new RegExp(`MAINPID=${process.pid}`));
});
