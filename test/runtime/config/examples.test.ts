import test from 'ava';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../../runtime/config/file.js';
import { formatProblems } from '../../../runtime/config/validate.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

for (const [file, id] of [['cam_l', 'CAM_L'], ['cam_c', 'CAM_C'], ['cam_r', 'CAM_R']] as const) {
  test(`the example config configs/${file}.yaml is valid and is ${id}`, async (t) => {
    const r = await loadConfigFile(`${root}configs/${file}.yaml`);
    if (!r.ok) return t.fail(formatProblems(r.problems));
    t.is(r.config.camera.id, id);
    t.is(r.config.network.apSsid, `SOCCER_CAM_${id.slice(4)}`);
    t.is(r.config.peers.length, 2);
    t.deepEqual(r.notices, []);
  });
}
