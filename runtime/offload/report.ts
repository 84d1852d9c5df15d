import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Each session's QC report (GET /rig/sessions/:id/report, computed by the --from node from the
 * rig's manifests) kept as `<to>/<sessionId>/report.json` beside the files, so the laptop holds
 * the verdict and its reasons with the footage. A report that cannot be fetched is a warning:
 * the footage is already verified and confirmed.
 */
export async function saveSessionReports(o: { fetch: typeof fetch; from: string; to: string; sessionIds: Iterable<string>; warn: (line: string) => void }): Promise<string[]> {
  const saved: string[] = [];
  for (const id of new Set(o.sessionIds)) {
    try {
      const r = await o.fetch(`${o.from}/api/v1/rig/sessions/${encodeURIComponent(id)}/report`, { signal: AbortSignal.timeout(15_000) });
      if (!r.ok) throw new Error(`answered ${r.status}`);
      const report = await r.json() as unknown;
      await mkdir(join(o.to, id), { recursive: true });
      await writeFile(join(o.to, id, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      saved.push(id);
    } catch (err) {
      o.warn(`WARNING session ${id}: no QC report saved (${(err as Error).message})`);
    }
  }
  return saved;
}
