import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManifestSchema, type Manifest } from './manifest.js';

export interface Library {
  recordings: Manifest[];
  /** Manifests that could not be read: shown, never silently dropped. */
  unreadable: Array<{ file: string; error: string }>;
}

/** This node's recordings: every manifest in the data directory, newest first. */
export async function listRecordings(dataDir: string): Promise<Library> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (err) {
    return { recordings: [], unreadable: [{ file: dataDir, error: (err as Error).message }] };
  }
  const recordings: Manifest[] = [];
  const unreadable: Library['unreadable'] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
    try {
      const parsed = ManifestSchema.safeParse(JSON.parse(await readFile(join(dataDir, name), 'utf8')));
      if (parsed.success) recordings.push(parsed.data);
      else unreadable.push({ file: name, error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    } catch (err) {
      unreadable.push({ file: name, error: (err as Error).message });
    }
  }
  recordings.sort((a, b) => b.startAt - a.startAt);
  return { recordings, unreadable };
}
