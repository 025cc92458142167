// Helpers shared by the runner and the scenarios.

// A tiny API client for setup and for checking what the UI did.
export class Api {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; this.token = ''; }
  async call(method, p, body, { raw = false, headers = {} } = {}) {
    const h = { Accept: 'application/json', ...headers };
    if (this.token) h.Authorization = 'Bearer ' + this.token;
    else if (this.cookie) { h.Cookie = this.cookie; if (method !== 'GET') h['X-CSRF-Token'] = this.csrf; }
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(this.base + '/api/v1' + p, { method, headers: h, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)) });
    const text = await res.text();
    if (raw) return { status: res.status, headers: res.headers, text };
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    if (!res.ok) throw new Error(`${method} ${p} -> ${res.status}: ${text.slice(0, 300)}`);
    return { status: res.status, data, headers: res.headers };
  }
  async login(username, password) {
    const res = await fetch(this.base + '/api/v1/auth/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`login -> ${res.status}: ${await res.text()}`);
    const set = res.headers.get('set-cookie') || '';
    this.cookie = set.split(';')[0];
    this.csrf = (await res.json()).csrf_token;
  }
}

// Polls fn until it returns a truthy value; fails with what was seen last.
export async function poll(fn, what, timeout = 10000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function check(cond, msg) {
  if (!cond) throw new Error('check failed: ' + msg);
}

export function isoDateInDays(n) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

// RFC 4180 records (quoted fields may hold commas, quotes and newlines).
export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') i++;
    if (c === '\n' || c === '\r') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += c; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}
