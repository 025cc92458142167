// Hash routing (#/findings?severity=HIGH): the server serves index.html at /
// only, and filters live in the URL so a view can be bookmarked and shared.
import { useEffect, useState } from 'preact/hooks';

export interface Route { path: string; parts: string[]; query: URLSearchParams; raw: string }

export function parseHash(hash = location.hash): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { path: path || '/', parts, query, raw };
}

export function href(path: string, query?: URLSearchParams | Record<string, string>): string {
  const q = query instanceof URLSearchParams ? query : new URLSearchParams(query || {});
  const s = q.toString();
  return '#' + path + (s ? '?' + s : '');
}

export function navigate(path: string, query?: URLSearchParams | Record<string, string>, replace = false) {
  const target = href(path, query);
  if (target === location.hash) return;
  if (replace) {
    history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = target;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
