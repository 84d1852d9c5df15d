import test from 'ava';
import { startRig } from '../../helpers/rig.js';
import { waitFor } from '../../helpers/net.js';
import { stat } from 'node:fs/promises';
import { execa } from 'execa';

const post = (n: { app: any }, url: string, payload: object = {}) => n.app.inject({ method: 'POST', url, payload });
const get = (n: { app: any }, url: string) => n.app.inject({ method: 'GET', url });

test('a fresh still on demand: real ffmpeg from the idle camera, relayed for another camera; 409 ARMED; the recording\'s preview while recording', async (t) => {
  const rig = await startRig(t);
  const [camL, camC] = rig.nodes as [any, any];
  t.is((await get(camC, '/api/v1/preview.jpg')).statusCode, 404, 'idle: no preview before one is asked for');

  const fresh = await post(camC, '/api/v1/preview/refresh');
  t.is(fresh.statusCode, 200, fresh.body);
  t.is(fresh.json().source, 'still');
  const jpeg = await get(camC, '/api/v1/preview.jpg');
  t.is(jpeg.statusCode, 200);
  t.is(jpeg.headers['content-type'], 'image/jpeg');
  t.deepEqual([...jpeg.rawPayload.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');

  // Another camera through the node the phone reached: its own still, taken by its own ffmpeg.
  const relayed = await post(camC, '/api/v1/rig/nodes/CAM_L/preview/refresh');
  t.is(relayed.statusCode, 200, relayed.body);
  t.is(relayed.json().source, 'still');
  const other = await fetch(`${camL.url}/api/v1/preview.jpg`);
  t.is(other.status, 200);
  const file = `${camL.config.current.storage.dataDir}/.preview/CAM_L.jpg`;
  const probed = JSON.parse((await execa('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file])).stdout).streams[0];
  t.is(probed.codec_name, 'mjpeg');
  t.is(probed.width, 320, 'the camera\'s own picture, scaled at most to 1280 wide');

  // Armed for an instant 8 s away: the camera is held for the start, not opened for a still.
  const start = post(camL, '/api/v1/record/start', { sessionId: 'framing', startAt: Date.now() + 8000 });
  await waitFor(async () => camL.board.snapshot().state === 'armed', 5_000);
  const armed = await post(camC, '/api/v1/rig/nodes/CAM_L/preview/refresh');
  t.is(armed.statusCode, 409, armed.body);
  t.is(armed.json().error.code, 'ARMED');
  t.is((await start).statusCode, 200);
  await waitFor(async () => camL.board.snapshot().state === 'recording', 15_000);
  const before = (await stat(file)).mtimeMs;
  // Recording: the answer is the recording's latest preview (newer than the idle still), nothing opened.
  const rec = await waitFor(async () => {
    const r = await post(camL, '/api/v1/preview/refresh');
    return r.statusCode === 200 && r.json().source === 'recording' && r.json().at > before ? r.json() : null;
  }, 15_000);
  t.is(rec.source, 'recording');
  t.is((await post(camL, '/api/v1/record/stop')).statusCode, 200);
});
