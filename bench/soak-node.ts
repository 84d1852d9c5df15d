import { startNode } from '../runtime/node.js';
import { execaRunner, type ProcessRunner } from '../actors/recorder/runner.js';
import type { Argv } from '../actors/recorder/command.js';

/**
 * A real node for the match-scale soak, as its own process (so its RSS is the node's alone).
 * Its camera is a V4L2 H.264 camera (stream copy, as a camera with its own encoder records),
 * except that the capture device is a file looped as fast as ffmpeg reads it: a match's bytes
 * reach the real recording path (ffmpeg → pipe → hashing writer → disk → manifest) faster
 * than real time. Usage: soak-node.js CONFIG CLIP.mp4
 */
const [config, clip] = process.argv.slice(2) as [string, string];

function loopedClip(argv: Argv, clipPath: string): Argv {
  const at = argv.args.indexOf('v4l2');
  if (argv.args[at - 1] !== '-f') return argv;
  const input = argv.args.indexOf('-i', at);
  return { ...argv, args: [...argv.args.slice(0, at - 1), '-stream_loop', '-1', '-i', clipPath, ...argv.args.slice(input + 2)] };
}

const runner: ProcessRunner = {
  spawn: (argv, opts) => execaRunner.spawn(loopedClip(argv, clip), opts),
  run: (argv, opts) => execaRunner.run(argv, opts),
};
const node = await startNode({ configPath: config, runner });
process.stdout.write(`${node.url}\n`);
process.on('SIGTERM', () => { void node.stop('SIGTERM').then(() => process.exit(0)); });
