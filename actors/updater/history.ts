import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../runtime/atomic-write.js';
import { Serial } from '../../runtime/serial.js';

export const HistoryKind = z.enum(['check', 'apply', 'refused', 'success', 'rollback', 'failed']);
export const HistoryEntry = z.object({
  at: z.number().describe('ms since the epoch, this node\'s clock'),
  kind: HistoryKind,
  from: z.string().nullable().describe('The version running when it happened'),
  to: z.string().nullable().describe('The version checked, applied or rolled back from'),
  code: z.string().nullable().describe('Why it was refused or failed'),
  message: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/**
 * Every check, apply, refusal, success and rollback, newest last, kept on disk so it survives
 * the restarts an update causes. Bounded: the oldest entries go first. Each write replaces the
 * file atomically, so a power cut leaves the old or the new list, never half of one.
 */
export class UpdateHistory {
  #serial = new Serial();
  #cache: HistoryEntry[] | null = null;

  constructor(private readonly file: string, private readonly limit = 200) {}

  list(): Promise<HistoryEntry[]> {
    return this.#serial.run(async () => [...await this.#load()]);
  }

  append(entry: HistoryEntry): Promise<void> {
    return this.#serial.run(async () => {
      const next = [...await this.#load(), entry].slice(-this.limit);
      await mkdir(dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, `${JSON.stringify(next)}\n`);
      this.#cache = next;
    });
  }

  async #load(): Promise<HistoryEntry[]> {
    if (this.#cache) return this.#cache;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return (this.#cache = []);
    }
    // A file this code did not write (or an older format) is not worth refusing updates over.
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = [];
    }
    const parsed = z.array(HistoryEntry).safeParse(json);
    return (this.#cache = parsed.success ? parsed.data : []);
  }
}
