import { h, setText, replace } from './dom.js';
import {
  fmtBytes, fmtMinutes, fmtClock, fmtAge, fmtNum, videoLine, encoderLine, syncLine, isStale, elapsedMs, cardWarnings,
  DISAGREEMENT_FIELD, HISTORY_MS,
} from './model.js';
import { sparkline } from './spark.js';

const FACTS = [
  ['session', 'Session'], ['video', 'Video'], ['encoder', 'Encoder'], ['storage', 'Free space'],
  ['battery', 'Battery'], ['temp', 'Temperature'], ['sync', 'Sync offset'], ['mode', 'Mode'],
  ['audio', 'Audio'], ['live', 'Live view'], ['version', 'Version'],
];

const STATE_LABEL = { idle: 'IDLE', armed: 'ARMED', recording: 'REC', stopping: 'STOPPING', error: 'ERROR' };

/**
 * One camera's card. Built once, then updated field by field; `actions` are the
 * control buttons the caller wires up (they know about the API, the card does not).
 */
export function createCard(cameraId, actions) {
  const f = {};
  const slot = (name, tag = 'span', attrs = {}) => (f[name] = h(tag, { 'data-f': name, ...attrs }));
  const facts = FACTS.map(([k, label]) => h('div', { class: 'fact', 'data-k': k }, h('dt', {}, label), h('dd', {}, slot(k))));
  const charts = { temp: sparkline('Temp', '°C', 10), free: sparkline('Free', 'GB', 10), fps: sparkline('Enc fps', 'fps', 10) };
  const img = h('img', { alt: `${cameraId} preview`, hidden: true, width: 320, height: 180 });
  const el = h('article', { class: 'card', 'data-camera': cameraId, 'aria-labelledby': `t-${cameraId}` },
    h('header', { class: 'card-head' },
      h('h2', { id: `t-${cameraId}` }, cameraId, ' ', slot('position', 'small', { class: 'pos' })),
      slot('state', 'span', { class: 'badge', role: 'status' })),
    slot('stale', 'p', { class: 'stale-banner', hidden: true }),
    h('p', { class: 'seen' }, 'Last seen: ', slot('seen')),
    slot('disagree', 'ul', { class: 'disagree-list', hidden: true }),
    h('figure', { class: 'preview' }, img, slot('previewNote', 'figcaption', {}, '')),
    h('dl', { class: 'facts' }, facts),
    slot('warnings', 'ul', { class: 'warnings', hidden: true }),
    h('div', { class: 'charts' }, Object.values(charts).map((c) => c.el)),
    slot('result', 'div', { class: 'result', role: 'status', 'aria-live': 'polite', hidden: true }),
    slot('snapshot', 'figure', { class: 'snapshot', hidden: true }),
    h('div', { class: 'actions' }, actions),
  );
  const factRow = (k) => facts[FACTS.findIndex(([key]) => key === k)];

  // Grandma Mode: the low-resolution HLS stream, played in the page (phones play HLS natively).
  let liveUrl = null;
  const watch = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'watch-live', hidden: true }, 'Watch');
  const video = h('video', { controls: true, playsinline: true, muted: true, hidden: true, class: 'live-video', width: 320, height: 180 });
  watch.addEventListener('click', () => {
    if (!liveUrl) return;
    const on = video.hidden;
    video.hidden = !on;
    setText(watch, on ? 'Hide' : 'Watch');
    if (on) { video.src = liveUrl; video.play?.().catch(() => undefined); } else { video.pause?.(); video.removeAttribute('src'); video.load?.(); }
  });
  f.live.after(' ', watch);
  el.querySelector('figure.preview').after(video);
  const updateLive = (live, node) => {
    const on = live?.state === 'on';
    liveUrl = on ? (node.self ? live.url : `/api/v1/rig/nodes/${encodeURIComponent(cameraId)}/live/live.m3u8`) : null;
    setText(f.live, !live || live.state === 'disabled' ? 'off (Grandma Mode not enabled)' : on ? 'on' : `off${live.reason ? `: ${live.reason}` : ' (starts with the recording)'}`);
    watch.hidden = !on;
    if (!on && !video.hidden) { video.hidden = true; video.removeAttribute('src'); setText(watch, 'Watch'); }
  };

  // A framing still asked for while idle (Refresh preview) stays until the camera records.
  let framing = null;

  return {
    el, img, f, cameraId,
    update(node, ctx) {
      const s = node.status;
      const stale = isStale(node, ctx.linkLost);
      el.dataset.stale = String(stale);
      el.dataset.state = s?.state ?? 'unknown';
      el.dataset.self = String(node.self);
      setText(f.position, s?.cameraPosition ?? '');
      const el_ = elapsedMs(node, ctx.now);
      setText(f.state, stale ? 'STALE' : s ? `${STATE_LABEL[s.state] ?? s.state}${el_ != null ? ` ${fmtClock(el_)}` : ''}` : 'NO DATA');
      f.state.dataset.state = s?.state ?? 'unknown';
      const age = node.seenAt == null ? null : ctx.now - node.seenAt;
      setText(f.seen, node.self && ctx.live && !stale ? 'live (this node)' : fmtAge(age));
      f.stale.hidden = !stale;
      const was = s ? ` Last known state: ${STATE_LABEL[s.state] ?? s.state}.` : '';
      setText(f.stale, !node.reachable
        ? `UNREACHABLE — last seen ${fmtAge(age)}. Data below is old.${was}`
        : `STALE — no news for ${fmtAge(age).replace(' ago', '')}. Data below is old.${was}`);
      setText(f.session, s?.sessionId ?? 'none');
      setText(f.video, videoLine(s?.video));
      setText(f.encoder, s ? encoderLine(s.encoder) : '—');
      setText(f.storage, s ? `${fmtBytes(s.storage.freeBytes)} · ${fmtMinutes(s.storage.minutesLeft)} left` : '—');
      setText(f.battery, s?.batteryPercent == null ? 'no battery sensor' : `${Math.round(s.batteryPercent)} %`);
      setText(f.temp, s?.temperatureC == null ? 'no sensor' : `${s.temperatureC.toFixed(1)} °C`);
      setText(f.sync, s ? syncLine(s.sync) : '—');
      // Measured or not: the page never shows an unmeasured clock as in sync.
      f.sync.dataset.known = String(typeof s?.sync?.offsetMs === 'number');
      setText(f.mode, s?.mode ?? '—');
      setText(f.version, s?.version ?? '—');
      // The node's config (its own, or read through this node) once the page has it.
      factRow('audio').hidden = !ctx.config;
      updateLive(s?.live, node);
      setText(f.audio, ctx.config ? (ctx.config.audio?.enabled ? 'on' : 'off') : '—');

      const warnings = cardWarnings(s);
      f.warnings.hidden = warnings.length === 0;
      const wKey = JSON.stringify(warnings);
      if (f.warnings.dataset.key !== wKey) {
        f.warnings.dataset.key = wKey;
        replace(f.warnings, warnings.map((w) => h('li', { 'data-code': w.code }, w.message)));
      }

      const mine = ctx.disagreements.filter((d) => (d.cameraIds ?? []).includes(node.cameraId));
      el.classList.toggle('disagree', mine.length > 0);
      for (const row of facts) row.classList.remove('flag');
      f.state.classList.toggle('flag', mine.some((d) => DISAGREEMENT_FIELD[d.code] === 'state'));
      for (const d of mine) {
        const k = DISAGREEMENT_FIELD[d.code];
        if (k && k !== 'state' && k !== 'seen') factRow(k === 'storage' ? 'storage' : k)?.classList.add('flag');
      }
      f.disagree.hidden = mine.length === 0;
      const dKey = JSON.stringify(mine.map((d) => d.message));
      if (f.disagree.dataset.key !== dKey) {
        f.disagree.dataset.key = dKey;
        replace(f.disagree, mine.map((d) => h('li', { 'data-code': d.code }, `⚠ ${d.message}`)));
      }

      const hist = ctx.history;
      const temp = hist.series(node.cameraId, 'temp');
      // The window grows with the data from one minute to ten, so a fresh page shows a line, not a dot.
      const win = temp.length ? Math.min(HISTORY_MS, Math.max(60_000, ctx.now - temp[0].t)) : HISTORY_MS;
      charts.temp.update(temp, ctx.now, win, (v) => v.toFixed(0));
      charts.free.update(hist.series(node.cameraId, 'free').map((p) => ({ t: p.t, v: p.v == null ? null : p.v / 1e9 })), ctx.now, win, (v) => v.toFixed(1));
      charts.fps.update(hist.series(node.cameraId, 'fps'), ctx.now, win, (v) => v.toFixed(1));

      if (s?.state !== 'idle') framing = null;
      if (s?.state !== 'recording') {
        const keep = framing && !stale && s?.state === 'idle';
        if (!keep) framing = null;
        img.hidden = !keep;
        setText(f.previewNote, keep ? framing : stale ? 'no preview (node not reachable)' : 'Preview appears while recording; Refresh preview takes a still now');
      }
    },
    /** A control's answer on this card: ok / error, with the node's own words. */
    showResult(kind, text) {
      f.result.hidden = false;
      f.result.dataset.kind = kind;
      setText(f.result, text);
    },
    /** A still from Refresh preview: shown once it has loaded, kept while the camera is idle. */
    showFraming(src, caption) {
      const next = new Image();
      next.onload = () => { framing = caption; img.src = src; img.hidden = false; setText(f.previewNote, caption); };
      next.onerror = () => setText(f.previewNote, 'Preview could not be loaded');
      next.src = src;
    },
    showSnapshot(base64, caption) {
      f.snapshot.hidden = false;
      replace(f.snapshot, h('img', { src: `data:image/jpeg;base64,${base64}`, alt: `${cameraId} Lock View snapshot`, class: 'snapshot-img' }),
        h('figcaption', {}, caption));
    },
    fmtNum,
  };
}
