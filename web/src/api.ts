// The board's only way to the server: the REST API under /api/v1.
// The CSRF token lives in memory only (never in storage); the session itself
// is the HttpOnly cookie set by the server.

export const API = '/api/v1';

let csrfToken = '';
let unauthorizedHandler: (() => void) | null = null;

export function setCsrf(token: string) { csrfToken = token; }
export function onUnauthorized(fn: () => void) { unauthorizedHandler = fn; }

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) { super(message); }
}

function isStateChange(method: string) { return method !== 'GET' && method !== 'HEAD'; }

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (isStateChange(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(API + path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', String((e as Error).message || e));
  }
  if (res.status === 401 && path !== '/auth/login') {
    csrfToken = '';
    unauthorizedHandler?.();
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code || String(res.status), err?.message || res.statusText || `HTTP ${res.status}`);
  }
  return data as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, body);
export const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);
export const del = <T>(path: string) => request<T>('DELETE', path);

export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? '?' + s : '';
}

export const enc = encodeURIComponent;
