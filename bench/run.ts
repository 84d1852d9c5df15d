import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { arch, cpus, totalmem } from 'node:os';
import { type Row, fmt } from './lib.js';
import { nodeIdle } from './node-idle.js';
import { recording } from './recording.js';
import { hash } from './hash.js';
import { dashboard } from './dashboard.js';
import { rig } from './rig.js';
import { sync } from './sync.js';
import { rigTime } from './rig-time.js';
import { offloadBench } from './offload.js';
import { resumeBench } from './resume.js';

/**
 * `npm run bench`: every target measured next to a baseline in the same run (these
 * machines are noisy, so only ratios and same-run comparisons mean anything), and
 * the table written to BENCHMARKS.md.
 */
const suites: Array<[string, () => Promise<Row[]>]> = [
  ['Node at rest (issue: foundation)', nodeIdle],
  ['Recording (issue: recorder)', recording],
  ['Streaming hash (issue: recorder)', hash],
  ['Dashboard (issue 5)', dashboard],
  ['Rig (issue: rig)', rig],
  ['Rig time (issue 10)', async () => [...(await sync()), ...(await rigTime())]],
  ['Offload and match-scale soak (issue 11)', () => offloadBench()],
  ['Encoder crash (nothing lost)', resumeBench],
];

const only = process.argv[2];
const sections = new Map<string, string>();
for (const [title, run] of suites) {
  if (only && !title.toLowerCase().includes(only.toLowerCase())) continue;
  process.stdout.write(`bench: ${title}…\n`);
  const rows = await run();
  const lines = [
    `## ${title}`, '',
    '| Measure | Value | Baseline | Ratio | Target | Met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.baseline === undefined ? '–' : `${fmt(r.baseline)} ${r.unit}`} | ${r.ratio === undefined ? '–' : fmt(r.ratio, 2)} | ${r.target} | ${r.met === null ? 'n/a' : r.met ? 'yes' : '**no**'} |`),
    '',
    ...rows.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`),
    '',
  ];
  sections.set(title, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

const header = `# Benchmarks

Written by \`npm run bench\` (last run ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (${arch()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}).
Each target is measured beside a baseline in the same run; absolute numbers vary with the machine, the ratios much less.
\`npm run bench -- <suite>\` re-runs one suite and keeps the others' sections as they were.
`;
const out = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
// Keep sections of suites that were not run this time, in suite order.
const previous = new Map<string, string>();
const old = await readFile(out, 'utf8').catch(() => '');
for (const part of old.split(/\n(?=## )/).slice(1)) previous.set(part.slice(3, part.indexOf('\n')).trim(), part.trimEnd() + '\n');
const body = suites.flatMap(([title]) => sections.get(title) ?? previous.get(title) ?? []).join('\n');
await writeFile(out, `${header}\n${body}`);
process.exit(0);
