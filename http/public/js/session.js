import { $ } from './dom.js';

// Session details (teams, venue, notes). The node has no route to store them yet, so
// they stay on this phone, keyed by session id; the page says so.
const KEY = 'soccerRig.meta.';
const FIELDS = ['home', 'away', 'venue', 'notes'];

function load(id) {
  try { return JSON.parse(localStorage.getItem(KEY + id) || '{}'); } catch { return {}; }
}

export function sessionForm(getSessionId) {
  const form = $('#session-form');
  let shown = null;
  const fill = () => {
    const id = getSessionId();
    if (id === shown) return;
    shown = id;
    $('#session-id').textContent = id === 'next' ? 'the next session' : `session ${id}`;
    const meta = load(id);
    for (const k of FIELDS) form.elements[k].value = meta[k] ?? '';
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const meta = Object.fromEntries(FIELDS.map((k) => [k, form.elements[k].value.trim()]));
    try {
      localStorage.setItem(KEY + (shown ?? 'next'), JSON.stringify({ ...meta, savedAt: Date.now() }));
      $('#session-saved').textContent = `Saved on this phone at ${new Date().toLocaleTimeString()}.`;
    } catch {
      $('#session-saved').textContent = 'Could not save: this browser blocks local storage.';
    }
  });
  return { refresh: fill };
}
