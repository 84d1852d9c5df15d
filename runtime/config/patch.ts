import { isObject } from './migrate.js';
import { secretPaths, restartPaths, type Config } from './schema.js';

export const REDACTED = '********';

/** A copy of the config with each secret replaced by a marker (null stays null: "not set"). */
export function redact(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const path of secretPaths) {
    const parent = walk(copy, path.slice(0, -1));
    const key = path[path.length - 1]!;
    if (parent && parent[key] !== null && parent[key] !== undefined) parent[key] = REDACTED;
  }
  return copy;
}

/**
 * Deep-merges a partial update into the current config. Arrays are replaced whole
 * (a peer list is one value). A secret sent back as the redaction marker keeps the
 * stored secret, so a dashboard can round-trip what GET returned.
 */
export function mergePatch(current: Config, patch: Record<string, unknown>): Record<string, unknown> {
  const merged = deepMerge(structuredClone(current) as unknown as Record<string, unknown>, patch);
  for (const path of secretPaths) {
    const parent = walk(merged, path.slice(0, -1));
    const key = path[path.length - 1]!;
    if (parent && parent[key] === REDACTED) {
      const old = walk(current as unknown as Record<string, unknown>, path.slice(0, -1));
      parent[key] = old ? old[key] : null;
    }
  }
  return merged;
}

/** Dotted paths whose value differs between two configs, at the granularity of restartPaths. */
export function changedPaths(before: Config, after: Config): string[] {
  const out: string[] = [];
  const visit = (a: unknown, b: unknown, prefix: string): void => {
    if (isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) visit(a[k], b[k], prefix ? `${prefix}.${k}` : k);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(prefix);
  };
  visit(before, after, '');
  return out;
}

export function needsRestart(changed: string[]): string[] {
  return changed.filter((p) => restartPaths.some((r) => p === r || p.startsWith(`${r}.`) || p.startsWith(`${r}[`)));
}

function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(patch)) {
    const cur = target[k];
    target[k] = isObject(v) && isObject(cur) ? deepMerge(cur, v) : v;
  }
  return target;
}

function walk(obj: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return isObject(cur) ? cur : undefined;
}
