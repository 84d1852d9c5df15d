import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import type { ExecutionContext } from 'ava';
import { NODE_FLAGS } from '../../runtime/node-flags.js';

export const CLI = fileURLToPath(new URL('../../runtime/cli.js', import.meta.url));

/** Runs `soccer-rig …` as a real OS process; killed at teardown if still running. */
const options = { reject: false, all: true, stdin: 'ignore' } as const;

export function runCli(t: ExecutionContext, args: string[], env: Record<string, string> = {}): ResultPromise<typeof options & { env: Record<string, string> }> {
  const proc = execa(process.execPath, [...NODE_FLAGS, CLI, ...args], { ...options, env });
  t.teardown(() => { if (proc.exitCode === null) proc.kill('SIGKILL'); });
  return proc;
}
