import test from 'ava';
import { RigError } from '../../../runtime/errors.js';
import { chooseCodec, fallbackBeforeFirstFrame, fallbackWhileRecording } from '../../../actors/recorder/codec-fallback.js';
import { staticEncoderList } from '../../../actors/recorder/encoders.js';

test('h265 without libx265 records h264 and says why; without either encoder nothing starts', async (t) => {
  t.deepEqual(await chooseCodec('h265', false, staticEncoderList(['libx265', 'libx264'])), { codec: 'h265', reason: null });
  t.deepEqual(await chooseCodec('h265', false, staticEncoderList(['libx264'])), { codec: 'h264', reason: 'libx265 is not available in this ffmpeg build' });
  await t.throwsAsync(chooseCodec('h265', false, staticEncoderList([])), { message: /neither libx265 nor libx264/ });
  t.deepEqual(await chooseCodec('h265', true, staticEncoderList([])), { codec: 'h265', reason: null }, 'a copied camera stream encodes nothing');
});

test('before the first frame: only an h265 encode falls back', (t) => {
  const e = new RigError('ENCODER_EXITED', 'x265 crashed');
  t.regex(fallbackBeforeFirstFrame('h265', false, e)?.reason ?? '', /libx265 failed before the first frame: x265 crashed/);
  t.is(fallbackBeforeFirstFrame('h264', false, e), null);
  t.is(fallbackBeforeFirstFrame('h265', true, e), null);
});

test('while recording: an encoder fault in the first seconds falls back; a full disk or a late fault never does', (t) => {
  const exited = new RigError('ENCODER_EXITED', 'killed');
  t.regex(fallbackWhileRecording({ codec: 'h265', failure: exited, elapsedMs: 1520, windowMs: 3000 })?.reason ?? '', /failed 1\.5 s after start: killed/);
  t.truthy(fallbackWhileRecording({ codec: 'h265', failure: new RigError('ENCODER_STALLED', 's'), elapsedMs: 100, windowMs: 3000 }));
  t.is(fallbackWhileRecording({ codec: 'h265', failure: new RigError('WRITE_FAILED', 'ENOSPC'), elapsedMs: 100, windowMs: 3000 }), null);
  t.is(fallbackWhileRecording({ codec: 'h265', failure: exited, elapsedMs: 3000, windowMs: 3000 }), null);
  t.is(fallbackWhileRecording({ codec: 'h264', failure: exited, elapsedMs: 100, windowMs: 3000 }), null);
});
