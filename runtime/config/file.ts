import { readFile, copyFile, access } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { writeFileAtomic, fsyncDir } from '../atomic-write.js';
import { dirname } from 'node:path';
import { validateConfig, type Problem, type Validation } from './validate.js';
import type { Config } from './schema.js';

export type LoadResult = Validation & { path: string };

/** Reads and validates a YAML config file. Never throws: unreadable or unparsable files are problems. */
export async function loadConfigFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, path, problems: [{ path: '(file)', message: `cannot read ${path}: ${(err as Error).message}` }] };
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    return { ok: false, path, problems: [{ path: '(file)', message: `not valid YAML: ${(err as Error).message}` }] };
  }
  if (raw === null || raw === undefined) {
    return { ok: false, path, problems: [{ path: '(root)', message: 'the file is empty' }] };
  }
  return { ...validateConfig(raw), path };
}

/**
 * Saves a validated config: the current file is kept as `<file>.bak` (copied and
 * fsynced first), then the new content replaces it atomically.
 */
export async function saveConfigFile(path: string, config: Config): Promise<void> {
  if (await exists(path)) {
    await copyFile(path, `${path}.bak`);
    await fsyncDir(dirname(path));
  }
  const header = '# soccer-rig node configuration (written by the node; previous version in .bak)\n';
  await writeFileAtomic(path, header + stringify(config));
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

export type { Problem };
