import { h, replace } from './dom.js';
import { api, errorText } from './api.js';
import { reportSummary, reportRow, REPORT_HEADS } from './report-model.js';

// A session's QC report as the server computed it (GET /api/v1/rig/sessions/:id/report):
// verdict, start spread in rig time, one row per camera, the reasons. Nothing is judged here.

/** The box for one take of a session; loads itself at once (`auto`) or on a tap. */
export function reportBox(sessionId, take, { auto }) {
  const box = h('div', { class: 'report', 'data-report': sessionId, 'data-take': String(take ?? '') });
  const load = async () => {
    replace(box, h('p', { class: 'muted' }, 'QC report: loading…'));
    const q = take == null ? '' : `?take=${take}`;
    const r = await api('GET', `/api/v1/rig/sessions/${encodeURIComponent(sessionId)}/report${q}`, undefined, { timeoutMs: 10_000 });
    if (!r.ok) {
      replace(box, h('p', { class: 'msg', 'data-kind': 'error' }, `QC report not available: ${errorText(r)} `),
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => void load() }, 'Retry'));
      return;
    }
    replace(box, ...render(r.body));
  };
  if (auto) void load();
  else replace(box, h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'show-report', onclick: () => void load() }, 'Show QC report'));
  return box;
}

function render(rep) {
  const rows = rep.cameras.map(reportRow);
  return [
    h('p', { class: 'report-verdict', 'data-verdict': rep.verdict }, h('strong', {}, 'QC: '), reportSummary(rep)),
    rep.reasons.length
      ? h('ul', { class: 'report-reasons' }, rep.reasons.map((x) => h('li', { 'data-code': x.code, 'data-level': x.level }, `${x.level === 'fail' ? '✖' : '⚠'} ${x.message}`)))
      : h('p', { class: 'muted' }, 'Every camera recorded completely, starting together.'),
    h('div', { class: 'report-scroll' },
      h('table', { class: 'report-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Camera'), REPORT_HEADS.map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows.map((row) => h('tr', { 'data-camera': row.cameraId, 'data-state': row.state },
          h('th', { scope: 'row' }, row.cameraId), row.cells.map((c) => h('td', {}, c))))))),
  ];
}
