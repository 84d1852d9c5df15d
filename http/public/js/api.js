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
 * The route of a per-node control: this node's own route, or the same route of another node
 * relayed through this one (a phone on one node's access point reaches no other).
 */
export function nodeRoute(cameraId, selfId, path) {
  return cameraId === selfId ? `/api/v1/${path}` : `/api/v1/rig/nodes/${encodeURIComponent(cameraId)}/${path}`;
}
