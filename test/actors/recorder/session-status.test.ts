import test from 'ava';
import pino from 'pino';
import { RecordingSession } from '../../../actors/recorder/session.js';
import { showSessionInStatus } from '../../../actors/recorder/session-status.js';
import { RecorderWarnings } from '../../../actors/recorder/warnings.js';
import { StatusBoard } from '../../../runtime/status.js';
import { blankStatus } from '../../helpers/app.js';
import { testConfig } from '../../helpers/config.js';
import { waitFor } from '../../helpers/net.js';
import { fixture, sessionDeps, sessionOptions, tempDir } from './helpers.js';

// Found in a match-day rehearsal: an HEVC encoder that died in its first seconds was replaced by
// H.264 (as designed), but the card went on saying "H265" with no warning: status showed a
// codec that was not being recorded.
test.serial('libx265 dying in its first seconds: status says H.264 is recorded, with a CODEC_FALLBACK warning saying why', async (t) => {
  const dir = await tempDir(t);
  const board = new StatusBoard(blankStatus());
  board.patch({ video: { width: 320, height: 180, fps: 30, codec: 'h265', bitrateMbps: 1 } });
  const session = new RecordingSession(sessionOptions(dir), sessionDeps({ ffmpegPath: fixture('ffmpeg-hevc-dies.sh') }));
  t.teardown(() => session.close('test end').then(() => undefined, () => undefined));
  showSessionInStatus(session, { board, log: pino({ level: 'silent' }), config: () => testConfig(dir), warnings: new RecorderWarnings(board) });
  const started = await session.start();
  t.is(started.codec, 'h265');
  await waitFor(async () => session.codec === 'h264', 10_000);
  const s = await waitFor(async () => {
    const snap = board.snapshot();
    return snap.video.codec === 'h264' ? snap : null;
  }, 5000).catch(() => board.snapshot());
  t.is(s.video.codec, 'h264', 'the status names the codec really recorded');
  const w = s.warnings.find((x) => x.code === 'CODEC_FALLBACK');
  t.truthy(w, JSON.stringify(s.warnings));
  t.regex(w?.message ?? '', /^recording H\.264: libx265 failed .* after start/);
  await session.stop();
});
