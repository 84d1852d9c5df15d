import type { Config } from '../../runtime/config/schema.js';
/**
 * Pure builders for the encoder command lines. Nothing here spawns anything, so every
 * source × codec combination is checked by unit tests without a camera.
 */
import type { ShutterKind } from './shutter.js';

export type SourceKind = 'synthetic' | 'rpicam' | 'v4l2';
export type VideoCodec = 'h264' | 'h265';
/**
 * ffmpeg's v4l2 `-input_format`: a pixel format (yuyv422, nv12) or a codec name. `rawvideo`
 * asks for any uncompressed format the camera offers (ffmpeg tries its raw formats in turn);
 * h264/hevc are stored as they come (no re-encode).
 */
export type V4l2InputFormat = 'rawvideo' | 'yuyv422' | 'mjpeg' | 'nv12' | 'h264' | 'hevc';

/** What the config calls a camera's output (`camera.inputCodec`). */
export type InputCodec = 'raw' | 'h264' | 'hevc' | 'mjpeg';

/**
 * The config's input codec as ffmpeg's v4l2 demuxer names it. `raw` is not an ffmpeg name
 * (ffmpeg refuses it: "No such input format: raw"); `rawvideo` is the codec of every
 * uncompressed format.
 */
export function v4l2InputFormat(c: InputCodec): V4l2InputFormat {
  return c === 'raw' ? 'rawvideo' : c;
}

export interface SourceSpec {
  kind: SourceKind;
  /** /dev/videoN for v4l2; the rpicam camera index ("0") for rpicam; ignored for synthetic. */
  device?: string;
  v4l2InputFormat?: V4l2InputFormat;
  /** ALSA device (e.g. "hw:1,0") for rpicam/v4l2 audio; synthetic audio is a sine tone. */
  audioDevice?: string;
}

/** The camera section of the config as the encoder command needs it. */
export function sourceSpec(cfg: Config): SourceSpec {
  const c = cfg.camera;
  return {
    kind: c.source,
    ...(c.device ? { device: c.device } : {}),
    ...(c.source === 'v4l2' ? { v4l2InputFormat: v4l2InputFormat(c.inputCodec) } : {}),
    ...(cfg.audio.device ? { audioDevice: cfg.audio.device } : {}),
  };
}

/** What a recording is made with: shared by the encoder command, a session and the self-test. */
export interface RecordingSettings {
  source: SourceSpec;
  width: number;
  height: number;
  fps: number;
  codec: VideoCodec;
  bitrateMbps: number;
  audio: boolean;
  /** x264/x265 preset; ultrafast is the only one a Pi 5 sustains at 1080p30 in software. */
  preset?: string;
}

export interface EncodeSpec extends RecordingSettings {
  /**
   * zerolatency turns off lookahead and B-frames: each frame leaves the encoder right away, so
   * the progress reports (and hence firstFrameAt) track the camera closely and a kill loses
   * less. It costs some compression; pass null to let the encoder buffer.
   */
  tune?: string | null;
  ffmpegPath?: string;
  rpicamPath?: string;
  /**
   * When the first video frame is taken (epoch ms, the node's wall clock: the shutter instant).
   * With a paused camera (rpicam) and a microphone, the audio is placed on the video's time line
   * by it: see the rpicam case below.
   */
  audioZeroAt?: number;
}

export interface Argv {
  file: string;
  args: string[];
}

export interface EncoderCommand {
  /** rpicam-vid when the source is rpicam: its stdout is ffmpeg's stdin. */
  producer: Argv | null;
  ffmpeg: Argv;
  /** The codec that ends up in the file (v4l2 h264/hevc cameras dictate it). */
  codec: VideoCodec;
  /** true when the camera's own bitstream is copied and nothing is encoded. */
  copy: boolean;
  /** Whether ffmpeg reads interactive commands: only then does writing `q` stop it cleanly. */
  stdinCommands: boolean;
  /**
   * How the first frame is released at the start instant (see shutter.ts): 'ticks' (the
   * node clocks the synthetic camera through ffmpeg's stdin), 'signal' (a paused rpicam-vid
   * resumed by SIGUSR1), or null (the camera records from spawn).
   */
  shutter: ShutterKind | null;
  /** Nominal frame rate (the shutter's tick rate). */
  fps: number;
}

const MP4_FRAGMENTED = [
  '-f', 'mp4',
  // Fragmented MP4: every 1-s GOP becomes a self-contained fragment, so a killed process still
  // leaves a playable file (a plain MP4 without its moov atom is unplayable).
  '-movflags', '+frag_keyframe+empty_moov+default_base_moof',
  // Without this ffmpeg's 32 KB output buffer holds seconds of low-bitrate video (FIELD-NOTES).
  '-flush_packets', '1',
];

/**
 * How a kind of camera is released at the start instant (see shutter.ts): the node clocks the
 * synthetic camera; rpicam-vid is started paused and resumed by a signal; a V4L2 camera has
 * no gate and records from spawn.
 */
export function shutterOf(kind: SourceKind): ShutterKind | null {
  return kind === 'synthetic' ? 'ticks' : kind === 'rpicam' ? 'signal' : null;
}

/** Whether this kind of camera is started ahead and released by a shutter. */
export function hasShutter(kind: SourceKind): boolean {
  return shutterOf(kind) !== null;
}

export function buildEncoderCommand(spec: EncodeSpec): EncoderCommand {
  validate(spec);
  const ffmpegPath = spec.ffmpegPath ?? 'ffmpeg';
  const size = `${spec.width}x${spec.height}`;
  const fps = String(spec.fps);
  const inputs: string[] = [];
  let producer: Argv | null = null;
  let copy = false;
  let codec = spec.codec;
  let stdinCommands = true;
  const shutter = shutterOf(spec.source.kind);
  let filter: string[] = [];
  let videoMap = '0:v';
  let audioTimeline: string[] = [];

  switch (spec.source.kind) {
    case 'synthetic':
      // The node is this camera's clock: each 2×2 grey frame it writes to stdin releases one
      // frame of the test pattern (overlaid with it, so the pattern is what gets encoded).
      // The encoder starts ahead of the instant and waits, fully started, for the first tick.
      stdinCommands = false;
      inputs.push('-f', 'rawvideo', '-pix_fmt', 'gray', '-video_size', '2x2', '-framerate', fps, '-i', 'pipe:0');
      filter = ['-filter_complex', `testsrc2=size=${size}:rate=${fps}[pattern];[pattern][0:v]overlay=0:0:shortest=1[video]`];
      videoMap = '[video]';
      // Unpaced: the muxer pulls the tone as far as the ticked video has got; -shortest ends
      // it with the video.
      if (spec.audio) inputs.push('-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000');
      break;
    case 'rpicam':
      producer = {
        file: spec.rpicamPath ?? 'rpicam-vid',
        args: [
          '-t', '0', '-n',
          // Started paused when the node is armed; SIGUSR1 at the instant starts the output,
          // so the camera's own start-up (~1 s on a Pi) is over before the rig starts.
          '--initial', 'pause', '--signal',
          ...(spec.source.device ? ['--camera', spec.source.device] : []),
          '--codec', 'yuv420',
          '--width', String(spec.width), '--height', String(spec.height),
          '--framerate', fps,
          '-o', '-',
        ],
      };
      // ffmpeg's stdin is the raw video, so it cannot take a `q`; stopping rpicam-vid gives
      // ffmpeg EOF, which finishes the file just as cleanly.
      stdinCommands = false;
      // Raw frames carry no timestamps; -r numbers them at the nominal rate.
      inputs.push('-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', size, '-r', fps, '-i', 'pipe:0');
      if (spec.audio) {
        // ffmpeg starts each input at 0, but the two do not start together: the video's first
        // frame is the shutter, and the microphone opens only once the video input has been
        // probed, ~0.1 s later (measured), so the sound would play early against the picture.
        // ALSA timestamps are wall-clock time; shifted by the shutter instant (-itsoffset, with
        // -copyts so nothing re-zeroes them) they land on the video's time line, and aresample
        // pads the gap before the microphone opened with silence from 0.
        // thread_queue_size: the microphone is read while the video input still waits.
        if (spec.audioZeroAt !== undefined) audioTimeline = ['-af', 'aresample=async=1:first_pts=0'];
        inputs.push('-thread_queue_size', '1024',
          ...(spec.audioZeroAt !== undefined ? ['-itsoffset', `-${(spec.audioZeroAt / 1000).toFixed(6)}`] : []),
          '-f', 'alsa', '-i', spec.source.audioDevice ?? 'default');
      }
      break;
    case 'v4l2': {
      const fmt = spec.source.v4l2InputFormat ?? 'yuyv422';
      inputs.push('-f', 'v4l2', '-input_format', fmt, '-video_size', size, '-framerate', fps, '-i', spec.source.device ?? '/dev/video0');
      if (spec.audio) inputs.push('-f', 'alsa', '-i', spec.source.audioDevice ?? 'default');
      if (fmt === 'h264' || fmt === 'hevc') {
        copy = true;
        codec = fmt === 'h264' ? 'h264' : 'h265';
      }
      break;
    }
  }

  const video = copy ? ['-c:v', 'copy'] : videoEncoderArgs(spec, codec);
  const audio = spec.audio ? ['-map', '1:a', ...audioTimeline, '-c:a', 'aac', '-b:a', '128k'] : [];
  const args = [
    '-hide_banner', '-nostats', '-loglevel', 'warning',
    ...(audioTimeline.length ? ['-copyts'] : []),
    ...inputs,
    ...filter,
    '-map', videoMap,
    ...video,
    ...(codec === 'h265' ? ['-tag:v', 'hvc1'] : []), // hvc1 is what QuickTime/Safari accept
    ...audio,
    // A microphone never ends: the file ends with the video. The synthetic tone is unpaced, and
    // rpicam's recording ends when rpicam-vid stops (EOF); without this ffmpeg records sound
    // alone until it is killed.
    ...(shutter !== null && spec.audio ? ['-shortest'] : []),
    ...MP4_FRAGMENTED,
    'pipe:1',
    // Machine-readable key=value blocks on stderr, twice a second; -nostats keeps the human
    // status line out of the same stream.
    '-progress', 'pipe:2', '-stats_period', '0.5',
  ];
  return { producer, ffmpeg: { file: ffmpegPath, args }, codec, copy, stdinCommands, shutter, fps: spec.fps };
}

function videoEncoderArgs(spec: EncodeSpec, codec: VideoCodec): string[] {
  const gop = String(spec.fps); // 1-s GOP: bounds the loss on a kill and the seek granularity
  const bitrate = `${spec.bitrateMbps}M`;
  const preset = spec.preset ?? 'ultrafast';
  const tune = spec.tune === undefined ? 'zerolatency' : spec.tune;
  const common = ['-preset', preset, ...(tune ? ['-tune', tune] : []), '-b:v', bitrate, '-g', gop, '-pix_fmt', 'yuv420p'];
  if (codec === 'h265') {
    // Fixed keyint without scene cuts keeps fragments exactly 1 s; log-level=error keeps x265's
    // banner out of the stderr tail we report on failure.
    return ['-c:v', 'libx265', ...common, '-x265-params', `keyint=${gop}:min-keyint=${gop}:scenecut=0:log-level=error`];
  }
  return ['-c:v', 'libx264', ...common, '-keyint_min', gop, '-sc_threshold', '0'];
}

/**
 * The preview is a second, low-priority ffmpeg fed with a copy of the recording's bytes. It
 * is not a second output of the encoder because ffmpeg 5.1 runs all outputs in one loop: an
 * image output at 1/2 fps was seen to hold the MP4 output back in 2-s bursts (and with some
 * options starve it completely), which would widen the loss window on a crash. Decoding only
 * keyframes keeps its CPU cost to one frame a second.
 */
export function buildPreviewCommand(opts: { previewPath: string; everyS?: number; width?: number; ffmpegPath?: string }): Argv {
  const every = opts.everyS ?? 2;
  const width = opts.width ?? 640;
  return {
    file: opts.ffmpegPath ?? 'ffmpeg',
    args: [
      '-hide_banner', '-nostats', '-nostdin', '-loglevel', 'error',
      '-skip_frame', 'nokey',
      '-f', 'mp4', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
      '-map', '0:v',
      // The escaped comma belongs to the select expression, not the filter chain.
      '-vf', `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${every - 0.1})',scale=${width}:-2`,
      '-fps_mode', 'passthrough',
      // -update rewrites one file; atomic_writing renames a finished temp file over it, so a
      // reader never sees half a JPEG.
      '-f', 'image2', '-update', '1', '-atomic_writing', '1', '-y', opts.previewPath,
    ],
  };
}

/**
 * Grandma Mode: a low-resolution live stream for phones, re-encoded from a copy of the
 * recording's bytes into short HLS segments (plays natively in phone browsers). ultrafast
 * and zerolatency keep its CPU cost and delay small; it runs at the lowest priority.
 */
export function buildLiveCommand(opts: { dir: string; height: number; bitrateMbps: number; fps: number; audio: boolean; ffmpegPath?: string }): Argv {
  const kbps = Math.round(opts.bitrateMbps * 1000);
  return {
    file: 'nice',
    args: [
      '-n', '19', opts.ffmpegPath ?? 'ffmpeg',
      '-hide_banner', '-nostats', '-nostdin', '-loglevel', 'error',
      '-f', 'mp4', '-probesize', '32', '-analyzeduration', '0', '-i', 'pipe:0',
      '-map', '0:v', ...(opts.audio ? ['-map', '0:a?', '-c:a', 'aac', '-b:a', '96k'] : []),
      '-vf', `scale=-2:${opts.height}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
      '-g', String(opts.fps), '-keyint_min', String(opts.fps), '-sc_threshold', '0',
      '-f', 'hls', '-hls_time', '1', '-hls_list_size', '6',
      '-hls_flags', 'delete_segments+independent_segments+omit_endlist',
      '-hls_segment_filename', `${opts.dir}/live-%05d.ts`,
      `${opts.dir}/live.m3u8`,
    ],
  };
}

function validate(spec: EncodeSpec): void {
  for (const [name, v] of [['width', spec.width], ['height', spec.height], ['fps', spec.fps]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  if (spec.width % 2 || spec.height % 2) throw new RangeError('width and height must be even for yuv420p');
  if (!(spec.bitrateMbps > 0)) throw new RangeError(`bitrateMbps must be > 0, got ${spec.bitrateMbps}`);
}

/** For logs: command lines may one day carry URLs with credentials (RTSP cameras). */
export function formatArgv(argv: Argv): string {
  return [argv.file, ...argv.args]
    .map((a) => a.replace(/\/\/[^/@\s]*@/g, '//***@'))
    .map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a))
    .join(' ');
}
