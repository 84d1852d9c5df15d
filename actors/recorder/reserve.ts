import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RigError } from '../../runtime/errors.js';

/**
 * A small file set aside while recording so the final manifest can still be written when the
 * recording itself filled the disk ("never lose a manifest").
 */

const RESERVE_BYTES = 1024 * 1024;
const reservePath = (dir: string, cameraId: string): string => join(dir, `.manifest-reserve-${cameraId}`);

/**
 * Sets the reserve aside. Resolves with the reason when it could not be written (the disk is
 * already full, or not writable): the recording goes on, but its final manifest is then at
 * risk, which the operator must hear about.
 */
export async function takeReserve(dir: string, cameraId: string): Promise<RigError | null> {
  try {
    await writeFile(reservePath(dir, cameraId), Buffer.alloc(RESERVE_BYTES));
    return null;
  } catch (err) {
    await unlink(reservePath(dir, cameraId)).catch(() => undefined);
    return new RigError('RESERVE_FAILED', `could not set aside ${RESERVE_BYTES / 1024 / 1024} MB for the final manifest in ${dir}: ${String(err)}; free some space`, { cause: err });
  }
}

export async function releaseReserve(dir: string, cameraId: string): Promise<void> {
  await unlink(reservePath(dir, cameraId)).catch(() => undefined);
}
