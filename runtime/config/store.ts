import { Serial } from '../serial.js';
import { EventEmitter } from 'node:events';
import type { Config } from './schema.js';
import { validateConfig, type Problem } from './validate.js';
import { changedPaths, mergePatch, needsRestart } from './patch.js';

/** Command-line overrides (--port, --data): effective at run time, never written to the file. */
export interface Overrides { httpPort?: number; dataDir?: string }

export interface ConfigPersistence { save(config: Config): Promise<void> }

export type UpdateResult =
  | { ok: true; config: Config; changed: string[]; restartRequired: string[]; notices: string[] }
  | { ok: false; problems: Problem[] };

/**
 * Owns the node's configuration at run time. Updates are serialised (two phones
 * saving at once must not interleave file writes), validated before anything is
 * written, and announced with 'change' so actors can apply what they can live.
 */
export class ConfigStore extends EventEmitter {
  #file: Config;
  #overrides: Overrides;
  #persistence: ConfigPersistence;
  readonly #saves = new Serial();

  constructor(file: Config, persistence: ConfigPersistence, overrides: Overrides = {}) {
    super();
    this.#file = file;
    this.#persistence = persistence;
    this.#overrides = overrides;
  }

  /** The effective config (file plus command-line overrides). Treat as read-only. */
  get current(): Config {
    return applyOverrides(this.#file, this.#overrides);
  }

  update(patch: Record<string, unknown>): Promise<UpdateResult> {
    return this.#saves.run(() => this.#apply(patch));
  }

  async #apply(patch: Record<string, unknown>): Promise<UpdateResult> {
    const before = this.current;
    const result = validateConfig(mergePatch(this.#file, patch));
    if (!result.ok) return result;
    await this.#persistence.save(result.config);
    this.#file = result.config;
    const after = this.current;
    const changed = changedPaths(before, after);
    if (changed.length > 0) this.emit('change', after, before, changed);
    return { ok: true, config: after, changed, restartRequired: needsRestart(changed), notices: result.notices };
  }
}

function applyOverrides(c: Config, o: Overrides): Config {
  if (o.httpPort === undefined && o.dataDir === undefined) return c;
  return {
    ...c,
    http: { ...c.http, port: o.httpPort ?? c.http.port },
    storage: { ...c.storage, dataDir: o.dataDir ?? c.storage.dataDir },
  };
}
