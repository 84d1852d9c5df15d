import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createChronyReader, execaRunner, type CommandRunner } from '../../../runtime/chrony/adapter.js';
import { parseSources, parseTracking } from '../../../runtime/chrony/parse.js';

// Captured (2026-12-01) from real `chronyd -x -u root` (chrony 4.3) daemons on this machine, read with
// `chronyc -h <dir>/chronyd.sock -c tracking|sources`: a client synced to a local server
// (synchronised), that server itself (an orphan leader on its `local` clock), a client whose
// server never answers (unsynchronised), one with no sources at all, and the synced client
// after its server was killed (holdover).
const FIXTURES = fileURLToPath(new URL('../../../../test/runtime/chrony/fixtures/', import.meta.url));
const fixture = (name: string): string => readFileSync(`${FIXTURES}${name}.csv`, 'utf8');

/** A runner that answers chronyc from the captured files of one state. */
function captured(state: string): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  const run = async (file: string, args: string[]) => {
    calls.push([file, ...args]);
    return { exitCode: 0, stdout: fixture(`${state}-${args.at(-1)}`), stderr: '' };
  };
  return Object.assign(run, { calls });
}

test('tracking: the 14 fields of a synchronised client', (t) => {
  const tr = parseTracking(fixture('synchronised-tracking'));
  t.is(tr.refId, '7F000001');
  t.is(tr.refName, '127.0.0.1');
  t.is(tr.stratum, 9);
  t.is(tr.systemOffsetS, -0.000001338);
  t.is(tr.rootDelayS, 0.000006928);
  t.is(tr.rootDispersionS, 0.000001425);
  t.is(tr.leap, 'Normal');
});

test('synchronised: stratum, reference, offset on our sign convention, error bound', async (t) => {
  const run = captured('synchronised');
  const s = await createChronyReader({ run, socket: '/run/x/chronyd.sock' })();
  t.deepEqual(run.calls, [['chronyc', '-h', '/run/x/chronyd.sock', '-c', 'tracking'], ['chronyc', '-h', '/run/x/chronyd.sock', '-c', 'sources']]);
  t.is(s.state, 'synchronised');
  t.true(s.synchronised);
  t.is(s.stratum, 9);
  t.is(s.reference, '127.0.0.1');
  // chrony: −1.338 µs = our clock is 2.111 µs fast, i.e. ahead of the reference.
  t.true(Math.abs(s.offsetMs! - 0.001338) < 1e-12);
  t.true(Math.abs(s.estimatedErrorMs! - (0.000006928 / 2 + 0.000001425) * 1000) < 1e-12);
  t.is(s.leap, 'Normal');
  t.deepEqual(s.sources, { total: 1, reachable: 1, selected: '127.0.0.1' });
  t.is(s.warning, null);
});

test('orphan leader: synchronised to its own local clock', async (t) => {
  const s = await createChronyReader({ run: captured('orphan-leader') })();
  t.is(s.state, 'synchronised');
  t.is(s.reference, 'local');
  t.is(s.stratum, 8);
  t.is(s.warning, null);
});

test('unsynchronised: a state with a warning, not a throw', async (t) => {
  const s = await createChronyReader({ run: captured('unsynchronised') })();
  t.is(s.state, 'unsynchronised');
  t.false(s.synchronised);
  t.is(s.offsetMs, null);
  t.is(s.leap, 'Not synchronised');
  t.deepEqual(s.sources, { total: 1, reachable: 0, selected: null });
  t.is(s.warning?.code, 'CHRONY_UNSYNCHRONISED');
  t.regex(s.warning!.message, /none of chrony's 1 sources/);
});

test('no sources: unsynchronised, and says there are none', async (t) => {
  const s = await createChronyReader({ run: captured('no-sources') })();
  t.is(s.state, 'unsynchronised');
  t.deepEqual(s.sources, { total: 0, reachable: 0, selected: null });
  t.regex(s.warning!.message, /no time sources/);
});

test('holdover: the leader is gone, the reference is kept, and it is flagged', async (t) => {
  const s = await createChronyReader({ run: captured('holdover') })();
  t.is(s.state, 'holdover');
  t.false(s.synchronised);
  t.is(s.stratum, 9);
  t.is(s.warning?.code, 'CHRONY_HOLDOVER');
  t.deepEqual(parseSources(fixture('holdover-sources')).map((x) => [x.mode, x.state, x.reach]), [['server', 'unusable', 0]]);
});

test('sources: modes, states, octal reach, never-heard', (t) => {
  const [sync] = parseSources(fixture('synchronised-sources'));
  t.like(sync, { mode: 'server', state: 'selected', name: '127.0.0.1', stratum: 8, reach: 255, lastRxS: 0 });
  const [never] = parseSources(fixture('unsynchronised-sources'));
  t.is(never!.lastRxS, null);
  t.deepEqual(parseSources(''), []);
  t.deepEqual(parseSources('=,+,10.0.0.2,9,0,17,3,0.001,0.001,0.0001\n').map((s) => [s.mode, s.state, s.reach]), [['peer', 'combined', 15]]);
});

test('chronyc missing, daemon down, garbage: warning codes, never throws', async (t) => {
  const missing = await createChronyReader({ run: execaRunner(), chronyc: '/nonexistent/chronyc' })();
  t.is(missing.state, 'unavailable');
  t.is(missing.warning?.code, 'CHRONY_MISSING');
  // The real chronyc against a socket nobody listens on.
  const down = await createChronyReader({ socket: '/nonexistent/chronyd.sock' })();
  t.is(down.warning?.code, 'CHRONY_NOT_RUNNING');
  t.regex(down.warning!.message, /daemon/);
  const garbage = await createChronyReader({ run: async () => ({ exitCode: 0, stdout: 'hello,world\n', stderr: '' }) })();
  t.is(garbage.warning?.code, 'CHRONY_UNREADABLE');
  t.throws(() => parseTracking('ZZZZ,,0,0,0,0,0,0,0,0,0,0,0,Normal'), { message: /reference id/ });
  t.throws(() => parseTracking('00000000,,x,0,0,0,0,0,0,0,0,0,0,Normal'), { message: /stratum is not a number/ });
});
