import { $ } from './dom.js';
import { api } from './api.js';

// Session details (home, away, venue, notes), stored with the session on the rig: every node
// keeps them (they travel in the rig log) and the offload tool writes them beside the files.
// Before a session exists they wait on this phone and are sent once its id is known.
const PENDING = 'soccerRig.meta.next';
const FIELDS = ['home', 'away', 'venue', 'notes'];

function pending() {
  try { return JSON.parse(localStorage.getItem(PENDING) || 'null'); } catch { return null; }
}
function setPending(meta) {
  try { if (meta) localStorage.setItem(PENDING, JSON.stringify(meta)); else localStorage.removeItem(PENDING); } catch { /* private mode */ }
}
const clean = (meta) => Object.fromEntries(FIELDS.filter((k) => meta?.[k]).map((k) => [k, meta[k]]));

export function sessionForm(getSessionId) {
  const form = $('#session-form');
  const note = $('#session-saved');
  let shown = null;
  const show = (meta) => { for (const k of FIELDS) form.elements[k].value = meta?.[k] ?? ''; };
  const save = async (id, meta) => {
    const r = await api('POST', `/api/v1/sessions/${encodeURIComponent(id)}`, clean(meta));
    note.textContent = r.ok ? `Saved with session ${id} on the rig at ${new Date().toLocaleTimeString()}.` : `Not saved: ${r.body?.error?.message ?? `HTTP ${r.status}`}`;
    return r.ok;
  };
  const fill = async () => {
    const id = getSessionId();
    // Re-read when the session changes.
    if (id === shown) return;
    shown = id;
    $('#session-id').textContent = id === 'next' ? 'the next session' : `session ${id}`;
    if (id === 'next') { show(pending()); return; }
    const r = await api('GET', `/api/v1/sessions/${encodeURIComponent(id)}`);
    const server = r.ok ? r.body.meta : {};
    const waiting = pending();
    // Details typed before the kick-off are attached to the session that just started.
    if (waiting && Object.keys(clean(server)).length === 0 && Object.keys(clean(waiting)).length > 0 && await save(id, waiting)) {
      setPending(null);
      show(waiting);
      return;
    }
    show(server);
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const meta = Object.fromEntries(FIELDS.map((k) => [k, form.elements[k].value.trim()]));
    if (shown === 'next' || shown === null) {
      setPending(meta);
      note.textContent = `Kept on this phone at ${new Date().toLocaleTimeString()}; saved with the session when it starts.`;
      return;
    }
    void save(shown, meta);
  });
  return { refresh: () => void fill() };
}
