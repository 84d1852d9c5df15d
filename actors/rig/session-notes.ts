import { join } from 'node:path';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../runtime/atomic-write.js';
import { SessionMetaSchema, type SessionMeta } from '../../store/events.js';
import type { Logger } from '../../runtime/logging.js';

/** A file on disk that could not be read: listed beside the answer, never its reason to fail. */
export interface Unreadable { file: string; error: string }

/**
 * This node's copies of the operator's notes on each session, one `.sessions/<id>.json` each.
 * A damaged file never takes a listing down (the offload tool and the recordings page read it):
 * it is skipped, reported in `unreadable`, and warned about once with SESSION_NOTES_UNREADABLE.
 */
export class SessionNotes {
  readonly #dir: string;
  readonly #log: Pick<Logger, 'warn'>;
  readonly #warned = new Set<string>();

  constructor(dataDir: string, log: Pick<Logger, 'warn'>) {
    this.#dir = join(dataDir, '.sessions');
    this.#log = log;
  }

  async list(): Promise<{ sessions: Record<string, SessionMeta>; unreadable: Unreadable[] }> {
    const sessions: Record<string, SessionMeta> = {};
    const unreadable: Unreadable[] = [];
    for (const name of await readdir(this.#dir).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue;
      const error = await this.#read(name).then((meta) => {
        sessions[name.slice(0, -5)] = meta;
        return null;
      }, (err: Error) => err.message);
      if (error === null) continue;
      const file = `.sessions/${name}`;
      unreadable.push({ file, error });
      if (!this.#warned.has(file)) {
        this.#warned.add(file);
        this.#log.warn({ code: 'SESSION_NOTES_UNREADABLE', file, error }, `skipping ${file}: ${error}`);
      }
    }
    return { sessions, unreadable };
  }

  async save(sessionId: string, meta: SessionMeta): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await writeFileAtomic(join(this.#dir, `${sessionId}.json`), `${JSON.stringify(meta, null, 2)}\n`);
    this.#warned.delete(`.sessions/${sessionId}.json`);
  }

  async #read(name: string): Promise<SessionMeta> {
    const parsed = SessionMetaSchema.safeParse(JSON.parse(await readFile(join(this.#dir, name), 'utf8')));
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return parsed.data;
  }
}
