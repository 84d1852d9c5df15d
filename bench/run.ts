import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { arch, cpus, totalmem } from 'node:os';
import { type Row, fmt } from './lib.js';
import { nodeIdle } from './node-idle.js';
import { recording } from './recording.js';
import { hash } from './hash.js';

/**
 * `npm run bench`: every target measured next to a baseline in the same run (these
 * machines are noisy, so only ratios and same-run comparisons mean anything), and
 * the table written to BENCHMARKS.md.
 */
const suites: Array<[string, () => Promise<Row[]>]> = [
  ['Node at rest (issue: foundation)', nodeIdle],
  ['Recording (issue: recorder)', recording],
  ['Streaming hash (issue: recorder)', hash],
];

const only = process.argv[2];
const sections: string[] = [];
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
  sections.push(lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

const header = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (${arch()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.
Each target is measured beside a baseline in the same run; absolute numbers vary with the machine, the ratios much less.
`;
await writeFile(fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url)), `${header}\n${sections.join('\n')}`);
process.exit(0);
