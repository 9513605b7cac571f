// The page's only way out: the public /v1/customer-portal API, same origin, with the session
// cookie the browser holds (HttpOnly: this script never sees it).

const BASE = '/v1/customer-portal';

// The answer of method path: {status, body (parsed JSON or null), headers}. Network failures
// read as status 0.
export async function call(method, path, body, headers) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let resp;
  try {
    resp = await fetch(BASE + path, init);
  } catch {
    return { status: 0, body: null, headers: new Headers() };
  }
  let parsed = null;
  const type = resp.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try { parsed = await resp.json(); } catch { parsed = null; }
  }
  return { status: resp.status, body: parsed, headers: resp.headers };
}

export const get = (path) => call('GET', path);
export const post = (path, body, headers) => call('POST', path, body, headers);

// The answers that end the page whatever was asked: the session is gone (401), the case's
// page closed (410), the service down (0, 502-504). The kind of view to show, or null.
export function fatal(status) {
  if (status === 401) return 'session';
  if (status === 410) return 'closed';
  if (status === 0 || status === 502 || status === 503 || status === 504) return 'down';
  return null;
}
