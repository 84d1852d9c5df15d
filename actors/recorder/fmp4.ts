import { open } from 'node:fs/promises';

/**
 * The length of a fragmented MP4's decodable part: every top-level box that is complete,
 * where a `moof` counts only together with the `mdat` that follows it. A file cut by a
 * power loss or SIGKILL ends in a partial box; decoders then report errors at the end.
 */
export async function completeLength(path: string): Promise<{ size: number; complete: number }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const header = Buffer.alloc(16);
    let pos = 0;
    let good = 0;
    let pendingMoof = false;
    while (pos + 8 <= size) {
      const { bytesRead } = await fh.read(header, 0, 16, pos);
      if (bytesRead < 8) break;
      let boxSize = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (boxSize === 1) {
        if (bytesRead < 16) break;
        boxSize = Number(header.readBigUInt64BE(8));
      }
      if (boxSize < 8 || pos + boxSize > size) break; // 0 = "to the end": a writer that never finished it
      pos += boxSize;
      if (type === 'moof') { pendingMoof = true; continue; }
      if (type === 'mdat') pendingMoof = false;
      if (!pendingMoof) good = pos;
    }
    return { size, complete: good };
  } finally {
    await fh.close();
  }
}

/** Cuts a trailing partial fragment off (fsynced). Returns how many bytes were removed. */
export async function trimPartialFragment(path: string): Promise<number> {
  const { size, complete } = await completeLength(path);
  // A file without even a complete header is left alone: there is nothing to keep or decode.
  if (complete === 0 || complete === size) return 0;
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(complete);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return size - complete;
}
