import test from 'ava';
import { execaRunner } from '../../../actors/recorder/runner.js';
import { AP_PROFILE, FIELD_PROFILE, createNmcli, parseScan, splitTerse } from '../../../runtime/network/nmcli.js';
import { fakeNmcli } from './fake-nmcli.js';

const settings = { ifname: 'wlan0', meshSsid: 'SOCCER_RIG', apSsid: 'SOCCER_CAM_L', wpa2Key: 'field-pass-1234' };

test('terse fields: escaped colons and backslashes stay inside the value', (t) => {
  t.deepEqual(splitTerse('Vereinsheim\\:Gast:44:WPA1 WPA2'), ['Vereinsheim:Gast', '44', 'WPA1 WPA2']);
  t.deepEqual(splitTerse('a\\\\b:c'), ['a\\b', 'c']);
  t.deepEqual(parseScan('SOCCER_RIG:81:WPA2\n--:30:WPA2\nSOCCER_RIG:64:WPA2\n'), ['SOCCER_RIG']);
});

test.serial('reads the active connections and a scan through nmcli on PATH', async (t) => {
  const fake = await fakeNmcli(t);
  const nm = createNmcli(execaRunner);
  t.true(await nm.available());
  await fake.set('active', 'active-field.txt');
  t.deepEqual((await nm.active())[0], { name: FIELD_PROFILE, type: '802-11-wireless', device: 'wlan0', state: 'activated' });
  t.deepEqual(await nm.scan('wlan0'), ['FRITZ!Box 7590 XY', 'Vereinsheim:Gast']);
  t.deepEqual((await fake.calls()).slice(-1)[0], ['nmcli', '-t', '-f', 'SSID,SIGNAL,SECURITY', 'device', 'wifi', 'list', 'ifname', 'wlan0', '--rescan', 'yes']);
});

test.serial('profiles are added when missing and modified when present, power saving off on both', async (t) => {
  const fake = await fakeNmcli(t);
  const nm = createNmcli(execaRunner);
  await nm.ensureProfiles(settings);
  let calls = (await fake.calls()).filter((c) => c[1] === 'connection' && c[2] !== 'show');
  t.deepEqual(calls.map((c) => c.slice(1, 6)), [
    ['connection', 'add', 'type', 'wifi', 'con-name'],
    ['connection', 'add', 'type', 'wifi', 'con-name'],
  ]);
  const [field, ap] = calls;
  t.is(field![6], FIELD_PROFILE);
  t.is(ap![6], AP_PROFILE);
  const kv = (c: string[], k: string) => c[c.indexOf(k) + 1];
  t.is(kv(field!, '802-11-wireless.ssid'), 'SOCCER_RIG');
  t.is(kv(field!, '802-11-wireless.powersave'), '2');
  t.is(kv(field!, 'wifi-sec.psk'), 'field-pass-1234');
  t.is(kv(ap!, '802-11-wireless.ssid'), 'SOCCER_CAM_L');
  t.is(kv(ap!, '802-11-wireless.mode'), 'ap');
  t.is(kv(ap!, 'ipv4.method'), 'shared');
  t.is(kv(ap!, '802-11-wireless.powersave'), '2');
  t.is(kv(ap!, 'connection.autoconnect'), 'no');

  await fake.set('profiles', `${FIELD_PROFILE}\n${AP_PROFILE}\npreconfigured\n`);
  await nm.ensureProfiles(settings);
  calls = (await fake.calls()).filter((c) => c[1] === 'connection' && c[2] !== 'show').slice(2);
  t.deepEqual(calls.map((c) => c.slice(1, 4)), [['connection', 'modify', FIELD_PROFILE], ['connection', 'modify', AP_PROFILE]]);

  await nm.powerSaveOff('wlan0');
  t.deepEqual((await fake.calls()).slice(-1)[0], ['iw', 'dev', 'wlan0', 'set', 'power_save', 'off']);
});

test.serial('without a key no access point profile is made (an open AP would let anyone in)', async (t) => {
  const fake = await fakeNmcli(t);
  await createNmcli(execaRunner).ensureProfiles({ ...settings, wpa2Key: null });
  const adds = (await fake.calls()).filter((c) => c[2] === 'add');
  t.deepEqual(adds.map((c) => c[6]), [FIELD_PROFILE]);
  t.false(adds[0]!.includes('wifi-sec.psk'));
});

test.serial('a failed nmcli call is an error with a code, and the passphrase is not in its message', async (t) => {
  const fake = await fakeNmcli(t);
  await fake.failUp(FIELD_PROFILE);
  const nm = createNmcli(execaRunner);
  const err = await t.throwsAsync(nm.up(FIELD_PROFILE));
  t.is((err as { code?: string }).code, 'NMCLI_FAILED');
  t.regex(err!.message, /No network with SSID/);
  const missing = createNmcli(execaRunner, { nmcli: '/nonexistent/nmcli' });
  t.is((await t.throwsAsync(missing.active()) as { code?: string }).code, 'NMCLI_MISSING');
  t.false(await missing.available());
});
