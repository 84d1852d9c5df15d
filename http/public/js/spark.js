import { h } from './dom.js';
import { sparkLines } from './model.js';

const W = 120, H = 32;

/** A small inline-SVG history chart with its latest value beside it. */
export function sparkline(label, unit = '', minSpan = 0) {
  const svg = h('svg:svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'spark-svg', 'aria-hidden': 'true', preserveAspectRatio: 'none' });
  const value = h('span', { class: 'spark-value' }, '—');
  const range = h('span', { class: 'spark-range' }, '');
  const el = h('div', { class: 'spark' }, h('span', { class: 'spark-label' }, label), svg, value, range);
  return {
    el,
    update(samples, now, windowMs, fmt) {
      const { lines, min, max } = sparkLines(samples, W, H, now - windowMs, now, 2, minSpan);
      svg.replaceChildren(...lines.map((points) => h('svg:polyline', { points, class: 'spark-line' })));
      const last = [...samples].reverse().find((s) => s.v != null);
      value.textContent = last ? `${fmt(last.v)}${unit ? ` ${unit}` : ''}` : 'no data';
      range.textContent = min == null || lines.length === 0 ? '' : `${fmt(min)}–${fmt(max)}`;
      el.classList.toggle('spark-empty', !last);
    },
  };
}
