import test from 'ava';
import { buildEncoderCommand, buildPreviewCommand, formatArgv, hasShutter, type EncodeSpec, type SourceKind, type VideoCodec } from '../../../actors/recorder/command.js';

const base: Omit<EncodeSpec, 'source' | 'codec'> = { width: 640, height: 360, fps: 25, bitrateMbps: 6, audio: false };

/** Value following a flag (first occurrence at or after `from`). */
function after(args: string[], flag: string, from = 0): string | undefined {
  const i = args.indexOf(flag, from);
  return i < 0 ? undefined : args[i + 1];
}

const sources: Array<{ kind: SourceKind; device?: string }> = [{ kind: 'synthetic' }, { kind: 'rpicam', device: '0' }, { kind: 'v4l2', device: '/dev/video2' }];
const codecs: VideoCodec[] = ['h265', 'h264'];

for (const source of sources) {
  for (const codec of codecs) {
    test(`${source.kind} × ${codec}: encoder, GOP, bitrate, fragmented MP4 on stdout, progress`, (t) => {
      const cmd = buildEncoderCommand({ ...base, source, codec });
      const a = cmd.ffmpeg.args;
      t.is(cmd.codec, codec);
      t.false(cmd.copy);
      t.is(after(a, '-c:v'), codec === 'h265' ? 'libx265' : 'libx264');
      t.is(after(a, '-preset'), 'ultrafast');
      t.is(after(a, '-tune'), 'zerolatency');
      t.is(after(a, '-b:v'), '6M');
      t.is(after(a, '-g'), '25');
      if (codec === 'h265') {
        t.is(after(a, '-tag:v'), 'hvc1');
        t.regex(after(a, '-x265-params') ?? '', /keyint=25:min-keyint=25:scenecut=0/);
      } else {
        t.is(after(a, '-keyint_min'), '25');
        t.false(a.includes('-tag:v'));
      }
      t.is(after(a, '-f', a.indexOf('-map')), 'mp4');
      t.is(after(a, '-movflags'), '+frag_keyframe+empty_moov+default_base_moof');
      t.is(after(a, '-flush_packets'), '1');
      t.true(a.indexOf('pipe:1') > a.indexOf('-movflags'));
      t.is(after(a, '-progress'), 'pipe:2');
      t.is(after(a, '-stats_period'), '0.5');
      t.true(a.includes('-nostats'));
      t.false(a.includes('1:a'), 'no audio mapped when audio is off');
    });
  }
}

test('synthetic: the node clocks a testsrc2 camera through stdin (2×2 ticks overlaid on the pattern), sine audio ended with the video', (t) => {
  const cmd = buildEncoderCommand({ ...base, source: { kind: 'synthetic' }, codec: 'h264', audio: true });
  const a = cmd.ffmpeg.args;
  const inputs = a.flatMap((v, i) => (v === '-i' ? [a[i + 1]] : []));
  t.deepEqual(inputs, ['pipe:0', 'sine=frequency=1000:sample_rate=48000']);
  t.is(after(a, '-pix_fmt'), 'gray');
  t.is(after(a, '-video_size'), '2x2');
  t.is(after(a, '-framerate'), '25');
  t.is(after(a, '-filter_complex'), 'testsrc2=size=640x360:rate=25[pattern];[pattern][0:v]overlay=0:0:shortest=1[video]');
  t.is(after(a, '-map'), '[video]');
  t.false(a.includes('-re'), 'paced by the ticks, not by ffmpeg');
  t.true(a.includes('-shortest'), 'the endless tone ends with the video');
  t.is(after(a, '-c:a'), 'aac');
  t.true(a.includes('1:a'));
  t.is(cmd.shutter, 'ticks');
  t.is(cmd.fps, 25);
  t.false(cmd.stdinCommands, 'stdin carries ticks, not commands');
  t.true(hasShutter('synthetic'));
});

test('rpicam: rpicam-vid yuv420 to stdout piped into a rawvideo ffmpeg; stop is not via stdin', (t) => {
  const cmd = buildEncoderCommand({ ...base, source: { kind: 'rpicam', device: '1', audioDevice: 'hw:2,0' }, codec: 'h265', audio: true });
  t.truthy(cmd.producer);
  const p = cmd.producer!.args;
  t.is(cmd.producer!.file, 'rpicam-vid');
  t.is(after(p, '-t'), '0');
  t.is(after(p, '--codec'), 'yuv420');
  t.is(after(p, '--width'), '640');
  t.is(after(p, '--height'), '360');
  t.is(after(p, '--framerate'), '25');
  t.is(after(p, '--camera'), '1');
  t.is(after(p, '-o'), '-');
  t.is(after(p, '--initial'), 'pause', 'started paused when armed');
  t.true(p.includes('--signal'), 'SIGUSR1 starts the output at the instant');
  t.is(cmd.shutter, 'signal');
  t.true(hasShutter('rpicam'));
  const a = cmd.ffmpeg.args;
  t.is(after(a, '-pix_fmt'), 'yuv420p');
  t.is(after(a, '-s'), '640x360');
  t.is(after(a, '-r'), '25');
  t.is(after(a, '-f'), 'rawvideo');
  t.is(after(a, '-i'), 'pipe:0');
  t.is(after(a, '-i', a.indexOf('pipe:0') + 1), 'hw:2,0');
  t.false(cmd.stdinCommands);
  t.true(a.includes('-shortest'), 'the file ends with the camera: a microphone never ends');
  t.false(a.includes('-copyts'), 'without the shutter instant, nothing to place the sound by');
});

test('rpicam with a microphone and the shutter instant: the sound is placed on the video\'s time line by wall-clock time', (t) => {
  const zero = 1_796_177_534_947.037;
  const a = buildEncoderCommand({ ...base, source: { kind: 'rpicam', audioDevice: 'hw:2,0' }, codec: 'h264', audio: true, audioZeroAt: zero }).ffmpeg.args;
  t.true(a.includes('-copyts'), 'ALSA\'s wall-clock timestamps are kept, not re-zeroed per input');
  const alsa = a.indexOf('alsa');
  t.is(after(a, '-itsoffset'), '-1796177534.947037', 'shifted by the shutter instant, in seconds');
  t.true(a.indexOf('-itsoffset') < alsa && a.indexOf('-itsoffset') > a.indexOf('pipe:0'), 'on the microphone input only');
  t.is(after(a, '-af'), 'aresample=async=1:first_pts=0', 'the time before the microphone opened is silence from 0');
  t.is(after(a, '-thread_queue_size'), '1024');
  // The synthetic tone and V4L2 are unchanged.
  const synth = buildEncoderCommand({ ...base, source: { kind: 'synthetic' }, codec: 'h264', audio: true, audioZeroAt: zero }).ffmpeg.args;
  t.false(synth.includes('-copyts'));
  t.false(synth.includes('-itsoffset'));
});

test('v4l2: raw formats are encoded; h264/hevc cameras are copied with no encoder', (t) => {
  const raw = buildEncoderCommand({ ...base, source: { kind: 'v4l2', device: '/dev/video4', v4l2InputFormat: 'mjpeg' }, codec: 'h264' });
  t.is(raw.shutter, null, 'a V4L2 camera records from spawn');
  t.false(hasShutter('v4l2'));
  t.is(after(raw.ffmpeg.args, '-input_format'), 'mjpeg');
  t.is(after(raw.ffmpeg.args, '-i'), '/dev/video4');
  t.is(after(raw.ffmpeg.args, '-video_size'), '640x360');
  t.is(after(raw.ffmpeg.args, '-framerate'), '25');
  t.true(raw.stdinCommands);

  for (const [fmt, codec] of [['h264', 'h264'], ['hevc', 'h265']] as const) {
    const cmd = buildEncoderCommand({ ...base, source: { kind: 'v4l2', v4l2InputFormat: fmt }, codec: codec === 'h264' ? 'h265' : 'h264' });
    t.true(cmd.copy);
    t.is(cmd.codec, codec, 'the camera decides the codec');
    t.is(after(cmd.ffmpeg.args, '-c:v'), 'copy');
    for (const flag of ['-b:v', '-preset', '-g', '-x265-params']) t.false(cmd.ffmpeg.args.includes(flag), flag);
  }
});

test('preset and tune are configurable; tune null removes it', (t) => {
  const a = buildEncoderCommand({ ...base, source: { kind: 'synthetic' }, codec: 'h265', preset: 'superfast', tune: null }).ffmpeg.args;
  t.is(after(a, '-preset'), 'superfast');
  t.false(a.includes('-tune'));
});

test('invalid geometry and bitrate are rejected before anything is spawned', (t) => {
  t.throws(() => buildEncoderCommand({ ...base, width: 641, source: { kind: 'synthetic' }, codec: 'h264' }), { instanceOf: RangeError });
  t.throws(() => buildEncoderCommand({ ...base, fps: 0, source: { kind: 'synthetic' }, codec: 'h264' }), { instanceOf: RangeError });
  t.throws(() => buildEncoderCommand({ ...base, bitrateMbps: 0, source: { kind: 'synthetic' }, codec: 'h264' }), { instanceOf: RangeError });
});

test('preview: keyframes only from stdin, atomic single-file JPEG updates', (t) => {
  const a = buildPreviewCommand({ previewPath: '/data/p.jpg', everyS: 2 }).args;
  t.is(after(a, '-skip_frame'), 'nokey');
  t.is(after(a, '-i'), 'pipe:0');
  t.is(after(a, '-update'), '1');
  t.is(after(a, '-atomic_writing'), '1');
  t.is(a.at(-1), '/data/p.jpg');
  t.regex(after(a, '-vf') ?? '', /1\.9.*scale=640:-2/);
});

test('formatArgv redacts credentials in URLs and quotes spaces', (t) => {
  t.is(formatArgv({ file: 'ffmpeg', args: ['-i', 'rtsp://user:pw@cam/x', 'a b'] }), 'ffmpeg -i rtsp://***@cam/x "a b"');
});
