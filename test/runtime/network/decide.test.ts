import test from 'ava';
import { decide, initialNetState, modeOf, type Decision, type NetState, type Observation } from '../../../runtime/network/decide.js';

const T = { joinTimeoutMs: 45_000, retryMs: 15_000, scanMs: 60_000, probeMs: 600_000 };
const SSID = 'SOCCER_RIG';
const away: Observation = { fieldConnected: false, apActive: false, visible: null };
const joined: Observation = { fieldConnected: true, apActive: false, visible: null };

/** Feeds observations at given times, like the manager's ticks. */
function run(steps: Array<[number, Observation]>, start: NetState = initialNetState(0)): Decision[] {
  let s = start;
  return steps.map(([at, obs]) => {
    const d = decide(s, obs, at, SSID, T);
    s = d.state;
    return d;
  });
}

test('at boot it joins the field network and, once connected, is in mesh mode', (t) => {
  const [first, second] = run([[0, away], [5_000, joined]]);
  t.deepEqual(first!.actions, ['join']);
  t.is(first!.transition, null);
  t.is(second!.state.phase, 'client');
  t.deepEqual(second!.transition, { from: 'joining', to: 'client', reason: 'joined SOCCER_RIG', at: 5_000 });
});

test('join retries are paced, and the access point comes up only after the timeout', (t) => {
  const ds = run([[0, away], [5_000, away], [15_000, away], [29_999, away], [45_000, away]]);
  t.deepEqual(ds.map((d) => d.actions), [['join'], [], ['join'], [], ['startAp']]);
  t.is(ds[3]!.state.phase, 'joining');
  t.is(ds[4]!.state.phase, 'ap');
  t.regex(ds[4]!.transition!.reason, /not joined within 45 s/);
});

test('in AP mode it scans periodically and rejoins when the field network is back', (t) => {
  const ap = run([[0, away], [45_000, away]])[1]!.state;
  const up: Observation = { fieldConnected: false, apActive: true, visible: null };
  const ds = run([
    [50_000, up], // AP up, no scan due yet
    [105_000, up], // 60 s after entering AP mode: scan
    [105_001, { ...up, visible: ['NEIGHBOUR', 'Cafe'] }], // not there
    [170_000, up], // next scan
    [170_001, { ...up, visible: ['SOCCER_RIG'] }],
  ], ap);
  t.deepEqual(ds.map((d) => d.actions), [[], ['scan'], [], ['scan'], ['stopAp', 'join']]);
  t.is(ds[4]!.state.phase, 'joining');
  t.deepEqual(ds[4]!.transition, { from: 'ap', to: 'joining', reason: 'SOCCER_RIG is back', at: 170_001 });
});

test('network.mode is what the node is, not what it asked for', (t) => {
  t.is(modeOf(joined), 'mesh');
  t.is(modeOf({ fieldConnected: false, apActive: true }), 'ap');
  t.is(modeOf(away), 'unknown');
});

test('an access point that went down is brought up again, paced', (t) => {
  const ap = run([[0, away], [45_000, away]])[1]!.state;
  const ds = run([[50_000, away], [60_000, away], [61_000, away]], ap);
  t.deepEqual(ds.map((d) => d.actions), [[], ['startAp'], []]);
});

test('losing the field network starts a fresh join timeout instead of jumping to AP mode', (t) => {
  const client = run([[0, joined]])[0]!.state;
  const ds = run([[100_000, away], [130_000, away], [145_000, away], [145_001, joined]], client);
  t.deepEqual(ds[0]!.transition, { from: 'client', to: 'joining', reason: 'lost SOCCER_RIG', at: 100_000 });
  t.deepEqual(ds.map((d) => d.state.phase), ['joining', 'joining', 'ap', 'client']);
  t.deepEqual(ds[3]!.actions, [], 'the AP was not active in that observation: nothing to stop');
});

test('joined while the AP is still up (NetworkManager autoconnect): the AP is stopped', (t) => {
  const ap = run([[0, away], [45_000, away]])[1]!.state;
  const d = decide(ap, { fieldConnected: true, apActive: true, visible: null }, 50_000, SSID, T);
  t.is(d.state.phase, 'client');
  t.deepEqual(d.actions, ['stopAp']);
});

test('a driver that cannot scan as an access point: the field network is tried, but only every probe period', (t) => {
  const ap = run([[0, away], [45_000, away]])[1]!.state;
  const up: Observation = { fieldConnected: false, apActive: true, visible: null };
  const ds = run([
    [105_000, up],
    [105_001, { ...up, scanFailed: true }], // too soon after the AP came up: stay
    [645_000, up],
    [645_001, { ...up, scanFailed: true }],
  ], ap);
  t.deepEqual(ds.map((d) => d.actions), [['scan'], [], ['scan'], ['stopAp', 'join']]);
  t.regex(ds[3]!.transition!.reason, /cannot scan as an access point/);
});
