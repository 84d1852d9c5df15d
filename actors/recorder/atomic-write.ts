import { writeFileAtomic, fsyncDir } from '../../runtime/atomic-write.js';

/** Manifests are pretty-printed JSON written with the runtime's atomic write (temp, fsync, rename, fsync dir). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export { fsyncDir };
