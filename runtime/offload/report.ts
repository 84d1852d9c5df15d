import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { takeManifestName } from '../../actors/recorder/manifest.js';

/** One take of one session, as the offload copied it. */
export interface SessionTake { sessionId: string; take: number }

/**
 * `report.json` for take 1, `report_t{N}.json` for take N ≥ 2: named like the takes' manifests,
 * so a session recorded twice keeps both verdicts and the common case keeps the documented name.
 */
export function reportFileName(take: number): string {
  return takeManifestName('report', take);
}

/**
 * Each copied take's QC report (GET /rig/sessions/:id/report?take=N, computed by the --from
 * node from the rig's manifests) kept as `<to>/<sessionId>/report.json` (report_tN.json for a
 * later take) beside the files, so the laptop holds the verdict and its reasons with the
 * footage. A report that cannot be fetched is a warning: the footage is already verified and
 * confirmed. Answers the saved paths, relative to `to`.
 */
export async function saveSessionReports(o: { fetch: typeof fetch; from: string; to: string; takes: Iterable<SessionTake>; warn: (line: string) => void }): Promise<string[]> {
  const saved: string[] = [];
  const seen = new Set<string>();
  for (const { sessionId: id, take } of o.takes) {
    const key = `${id}\n${take}`;
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      const name = reportFileName(take);
      const r = await o.fetch(`${o.from}/api/v1/rig/sessions/${encodeURIComponent(id)}/report?take=${take}`, { signal: AbortSignal.timeout(15_000) });
      if (!r.ok) throw new Error(`answered ${r.status}`);
      const report = await r.json() as unknown;
      await mkdir(join(o.to, id), { recursive: true });
      await writeFile(join(o.to, id, name), `${JSON.stringify(report, null, 2)}\n`);
      saved.push(join(id, name));
    } catch (err) {
      o.warn(`WARNING session ${id} take ${take}: no QC report saved (${(err as Error).message})`);
    }
  }
  return saved;
}
