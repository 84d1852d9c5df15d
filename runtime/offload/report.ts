import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Each session's QC report (GET /rig/sessions/:id/report, computed by the --from node from the
 * rig's manifests) kept as `<to>/<sessionId>/report.json` beside the files, so the laptop holds
 * the verdict and its reasons with the footage. A session recorded in several takes keeps every
 * take's report: `report.json` is the latest take (as the dashboard shows it first), each earlier
 * one `report_t<N>.json` (as the manifests are named), so no take's verdict is lost. A report
 * that cannot be fetched is a warning: the footage is already verified and confirmed.
 */
export async function saveSessionReports(o: { fetch: typeof fetch; from: string; to: string; sessionIds: Iterable<string>; warn: (line: string) => void }): Promise<string[]> {
  const saved: string[] = [];
  const get = async (id: string, take?: number): Promise<{ take?: unknown; takes?: unknown }> => {
    const q = take === undefined ? '' : `?take=${take}`;
    const r = await o.fetch(`${o.from}/api/v1/rig/sessions/${encodeURIComponent(id)}/report${q}`, { signal: AbortSignal.timeout(15_000) });
    if (!r.ok) throw new Error(`answered ${r.status}`);
    return await r.json() as { take?: unknown; takes?: unknown };
  };
  const save = (id: string, name: string, report: unknown) => writeFile(join(o.to, id, name), `${JSON.stringify(report, null, 2)}\n`);
  for (const id of new Set(o.sessionIds)) {
    try {
      const report = await get(id);
      await mkdir(join(o.to, id), { recursive: true });
      await save(id, 'report.json', report);
      saved.push(id);
      const takes = Array.isArray(report.takes) ? report.takes.filter((n): n is number => Number.isInteger(n) && n !== report.take) : [];
      for (const take of takes) {
        try {
          await save(id, `report_t${take}.json`, await get(id, take));
        } catch (err) {
          o.warn(`WARNING session ${id}: no QC report of take ${take} saved (${(err as Error).message})`);
        }
      }
    } catch (err) {
      o.warn(`WARNING session ${id}: no QC report saved (${(err as Error).message})`);
    }
  }
  return saved;
}
