// Talking to the node that served the page. Mutating calls carry the PIN as a Bearer token.

const PIN_KEY = 'soccerRig.pin';
const listeners = new Set();

export const pin = {
  get: () => { try { return localStorage.getItem(PIN_KEY) || ''; } catch { return ''; } },
  set: (v) => { try { if (v) localStorage.setItem(PIN_KEY, v); else localStorage.removeItem(PIN_KEY); } catch { /* private mode */ } },
};

/** Called with (status, body) for every answer, so banners (PIN needed) react in one place. */
export function onAnswer(f) { listeners.add(f); }

/**
 * Returns {ok, status, body}; never throws for HTTP errors. A network failure is
 * status 0 with a NETWORK error, so every control can show it on its card.
 */
export async function api(method, path, body, { timeoutMs = 15_000, headers: extra = {}, raw = false } = {}) {
  const headers = { accept: 'application/json', ...extra };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const p = pin.get();
  if (p && method !== 'GET' && method !== 'HEAD') headers.authorization = `Bearer ${p}`;
  let res;
  try {
    res = await fetch(path, {
      method, headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const out = { ok: false, status: 0, body: { error: { code: 'NETWORK', message: err?.name === 'TimeoutError' ? 'no answer from the node (timed out)' : 'the node cannot be reached' } } };
    for (const f of listeners) f(out.status, out.body);
    return out;
  }
  let parsed = null;
  if (raw) res.body?.cancel().catch(() => undefined);
  else if (method !== 'HEAD') {
    const text = await res.text().catch(() => '');
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { error: { code: 'BAD_ANSWER', message: text.slice(0, 200) } }; }
  }
  const out = { ok: res.ok, status: res.status, body: parsed };
  for (const f of listeners) f(out.status, out.body);
  return out;
}

export function errorText(r) {
  const e = r.body?.error;
  if (!e) return `HTTP ${r.status}`;
  const reasons = Array.isArray(e.reasons) && e.reasons.length ? `: ${e.reasons.map((x) => x.message ?? x.code).join('; ')}` : '';
  return `${e.message ?? e.code}${reasons}`;
}

/**
 * Which optional routes this node has. The OpenAPI document lists them; routes that do
 * not exist yet are shown as unavailable, never faked.
 */
export async function capabilities() {
  const r = await api('GET', '/docs/json', undefined, { timeoutMs: 8000 });
  const paths = r.ok && r.body?.paths ? Object.keys(r.body.paths) : [];
  const has = (p) => paths.includes(p);
  return {
    known: r.ok,
    rig: has('/api/v1/rig'),
    rigRecordings: has('/api/v1/rig/recordings'),
    nodeProxy: has('/api/v1/rig/nodes/{cameraId}/record/start'),
    previewProxy: has('/api/v1/rig/nodes/{cameraId}/preview.jpg'),
    lockviewProxy: has('/api/v1/rig/nodes/{cameraId}/lockview'),
    sessions: has('/api/v1/sessions/{sessionId}'),
    selftestProxy: has('/api/v1/rig/nodes/{cameraId}/selftest'),
    shutdown: has('/api/v1/shutdown'),
    rigShutdown: has('/api/v1/rig/shutdown'),
    shutdownProxy: has('/api/v1/rig/nodes/{cameraId}/shutdown'),
    update: has('/api/v1/update/check') && has('/api/v1/update/apply'),
    session: has('/api/v1/sessions/{sessionId}/meta') ? '/api/v1/sessions/{sessionId}/meta' : null,
    files: paths.find((p) => /^(\/api\/v1)?\/recordings\/\{[^}]+\}$/.test(p)) ?? null,
    nodeFiles: has('/api/v1/rig/nodes/{cameraId}/recordings/{file}'),
  };
}
