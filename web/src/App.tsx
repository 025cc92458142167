import { useEffect, useState } from 'preact/hooks';
import { get, post, onUnauthorized, setCsrf, ApiError } from './api';
import { LANGS, setLang, t, tv, useLang, type Lang } from './i18n';
import { navigate, useRoute, href, type Route } from './router';
import type { Me, User } from './types';
import { Loading } from './components/common';
import { LoginPage } from './pages/Login';
import { OverviewPage } from './pages/Overview';
import { FindingsPage } from './pages/Findings';
import { FindingDetailPage } from './pages/FindingDetail';
import { ArtifactsPage } from './pages/Artifacts';
import { ArtifactDetailPage } from './pages/ArtifactDetail';
import { AdminPage } from './pages/Admin';

export type SessionUser = User | null;

export function App() {
  const lang = useLang();
  const route = useRoute();
  const [user, setUser] = useState<SessionUser>(null);
  const [checked, setChecked] = useState(false);

  useEffect(() => {
    onUnauthorized(() => {
      setUser(null);
      const cur = location.hash.replace(/^#/, '');
      if (!cur.startsWith('/login')) navigate('/login', cur && cur !== '/' ? { next: cur } : undefined, true);
    });
    get<Me>('/auth/me')
      .then((me) => { setCsrf(me.csrf_token); setUser(me.user); })
      .catch(() => { /* 401 handled above */ })
      .finally(() => setChecked(true));
  }, []);

  if (!checked) return <Loading />;

  if (!user || route.parts[0] === 'login') {
    return (
      <LoginPage lang={lang} onLogin={(me) => {
        setCsrf(me.csrf_token);
        setUser(me.user);
        const next = route.query.get('next');
        navigate(next && next.startsWith('/') && !next.startsWith('/login') ? next : '/', undefined, true);
      }} />
    );
  }

  return (
    <Shell user={user} route={route} lang={lang} onLogout={async () => {
      try { await post('/auth/logout'); } catch (e) { if (!(e instanceof ApiError)) throw e; }
      setCsrf('');
      setUser(null);
      navigate('/login', undefined, true);
    }}>
      <Page route={route} user={user} />
    </Shell>
  );
}

function Page({ route, user }: { route: Route; user: User }) {
  const [a, b] = route.parts;
  switch (a) {
    case undefined: return <OverviewPage />;
    case 'findings': return b ? <FindingDetailPage id={b} user={user} /> : <FindingsPage route={route} user={user} />;
    case 'artifacts': return b ? <ArtifactDetailPage id={b} route={route} user={user} /> : <ArtifactsPage route={route} />;
    case 'admin': return user.role === 'admin' ? <AdminPage route={route} user={user} /> : <Forbidden />;
    default: return <NotFound />;
  }
}

function Forbidden() { return <div class="page"><h1>{t('error.forbidden')}</h1></div>; }
function NotFound() { return <div class="page"><h1>{t('error.notFound')}</h1><p><a href="#/">{t('nav.overview')}</a></p></div>; }

function Shell({ user, route, lang, onLogout, children }: { user: User; route: Route; lang: Lang; onLogout: () => void; children: preact.ComponentChildren }) {
  const section = route.parts[0] || '';
  const nav = [
    { id: '', path: '/', label: t('nav.overview'), icon: 'M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h7v7h-7z' },
    { id: 'findings', path: '/findings', label: t('nav.findings'), icon: 'M12 2 3 6v6c0 5 3.8 9.3 9 10 5.2-.7 9-5 9-10V6l-9-4z' },
    { id: 'artifacts', path: '/artifacts', label: t('nav.artifacts'), icon: 'M21 8 12 3 3 8v8l9 5 9-5V8zM3 8l9 5 9-5M12 13v8' },
  ];
  if (user.role === 'admin') nav.push({ id: 'admin', path: '/admin', label: t('nav.admin'), icon: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z' });
  return (
    <div class="shell">
      <aside class="sidebar">
        <a class="brand" href="#/" aria-label="Bulwark">
          <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true"><path d="M16 2 4 6v9c0 7.5 5.1 13.3 12 15 6.9-1.7 12-7.5 12-15V6L16 2z" fill="#4f8fd8"/><path d="M16 6.5 8 9.2v5.9c0 5.1 3.4 9.1 8 10.4V6.5z" fill="#cfe1f7"/></svg>
          <span>Bulwark</span>
        </a>
        <nav aria-label={t('nav.main')}>
          {nav.map((n) => (
            <a href={href(n.path)} class={section === n.id ? 'nav-item active' : 'nav-item'} aria-current={section === n.id ? 'page' : undefined} data-testid={`nav-${n.id || 'overview'}`}>
              <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"><path d={n.icon} /></svg>
              {n.label}
            </a>
          ))}
        </nav>
        <div class="sidebar-foot">{t('app.tagline')}</div>
      </aside>
      <div class="main">
        <header class="topbar">
          <div class="topbar-title">{t('app.title')}</div>
          <div class="topbar-right">
            <label class="lang-switch">
              <span class="sr-only">{t('common.language')}</span>
              <select aria-label={t('common.language')} data-testid="lang-switch" value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
                {LANGS.map((l) => <option value={l.id}>{l.label}</option>)}
              </select>
            </label>
            <span class="user" data-testid="current-user" title={t('app.signedInAs', { name: user.name, role: tv('role', user.role) })}>
              <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2"><circle cx="12" cy="8" r="4" /><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7" /></svg>
              <span class="sr-only">{t('app.signedInAsLabel')}</span>
              <span data-testid="current-user-name">{user.name}</span>
              <span class="role" data-testid="current-user-role" data-role={user.role}>{tv('role', user.role)}</span>
            </span>
            <button type="button" class="btn btn-ghost" onClick={onLogout} data-testid="logout">{t('nav.logout')}</button>
          </div>
        </header>
        <main class="content">{children}</main>
      </div>
    </div>
  );
}
