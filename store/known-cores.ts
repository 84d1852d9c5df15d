// The set of peer cores this node has learned, kept in a small JSON file beside the corestore
// so a restart reopens every replica from disk before (or without) any network.
// The file is only a cache of what peers announce: a corrupt one is set aside (kept for a look,
// never deleted) and the set is rebuilt from the next announcements. Refusing to open instead
// would keep the whole rig view down for a file the rig can rebuild in a second.
import { mkdir, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../runtime/atomic-write.js'
import { CoreRefSchema, MAX_ANNOUNCED_CORES, type CoreRef } from './core-exchange.js'
import { silentLogger, type StoreLogger } from './logger.js'

const FileSchema = z.object({ v: z.literal(1), cores: z.array(CoreRefSchema) })

export class KnownCoresError extends Error {
  constructor(
    readonly code: 'KNOWN_CORES_CORRUPT',
    message: string
  ) {
    super(message)
    this.name = 'KnownCoresError'
  }
}

export class KnownCores {
  private readonly cores = new Map<string, CoreRef>()
  // Saves run one at a time: two at once would race on the same temp file.
  private saving: Promise<void> = Promise.resolve()

  constructor(
    private readonly file: string,
    private readonly logger: StoreLogger = silentLogger,
    private readonly now: () => number = Date.now
  ) {}

  /** Loads the set; a corrupt file is set aside with a KNOWN_CORES_CORRUPT warning and the set starts empty. */
  async load(): Promise<CoreRef[]> {
    try {
      return await this.read()
    } catch (err) {
      if (!(err instanceof KnownCoresError)) throw err
      const aside = `${this.file}.corrupt-${this.now()}`
      await rename(this.file, aside)
      this.logger.warn({ err, code: err.code, file: this.file, setAside: aside },
        `${this.file} is corrupt: set aside as ${aside}; peer cores are relearned from the rig`)
      this.cores.clear()
      return []
    }
  }

  private async read(): Promise<CoreRef[]> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (err) {
      throw new KnownCoresError('KNOWN_CORES_CORRUPT', `${this.file}: ${(err as Error).message}`)
    }
    const parsed = FileSchema.safeParse(raw)
    if (!parsed.success) throw new KnownCoresError('KNOWN_CORES_CORRUPT', `${this.file}: ${z.prettifyError(parsed.error)}`)
    for (const ref of parsed.data.cores) this.cores.set(ref.key, ref)
    return this.list()
  }

  has(key: string): boolean {
    return this.cores.has(key)
  }

  get size(): number {
    return this.cores.size
  }

  list(): CoreRef[] {
    return [...this.cores.values()]
  }

  /** Adds the core and persists; false when already known or the set is full. */
  async add(ref: CoreRef): Promise<boolean> {
    if (this.cores.has(ref.key) || this.cores.size >= MAX_ANNOUNCED_CORES) return false
    this.cores.set(ref.key, ref)
    const run = this.saving.then(() => this.save())
    this.saving = run.catch(() => {})
    await run
    return true
  }

  // write, fsync, rename, fsync the directory: a crash leaves the old or the new file, whole.
  private async save(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true })
    await writeFileAtomic(this.file, JSON.stringify({ v: 1, cores: this.list() }, null, 2))
  }
}
