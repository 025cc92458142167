import { useState } from 'preact/hooks';
import { post, ApiError } from '../api';
import { LANGS, setLang, t, type Lang } from '../i18n';
import type { Me } from '../types';

export function LoginPage({ lang, onLogin }: { lang: Lang; onLogin: (me: Me) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const me = await post<Me>('/auth/login', { username, password });
      onLogin(me);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) setError(t('login.rateLimited'));
      else if (err instanceof ApiError && err.status === 401) setError(t('login.failed'));
      else setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="login-wrap">
      <form class="login" onSubmit={submit} data-testid="login-form" aria-labelledby="login-title">
        <div class="login-brand">
          <svg width="40" height="40" viewBox="0 0 32 32" aria-hidden="true"><path d="M16 2 4 6v9c0 7.5 5.1 13.3 12 15 6.9-1.7 12-7.5 12-15V6L16 2z" fill="#1e3a5f"/><path d="M16 6.5 8 9.2v5.9c0 5.1 3.4 9.1 8 10.4V6.5z" fill="#4f8fd8"/></svg>
          <div>
            <h1 id="login-title">Bulwark</h1>
            <p class="muted">{t('login.subtitle')}</p>
          </div>
        </div>
        <label class="field">
          <span>{t('login.username')}</span>
          <input name="username" autocomplete="username" required value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>{t('login.password')}</span>
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        {error && <div class="alert alert-error" role="alert" data-testid="login-error">{error}</div>}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>{busy ? t('common.loading') : t('login.submit')}</button>
        <div class="login-foot">
          <select aria-label={t('common.language')} data-testid="lang-switch" value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
            {LANGS.map((l) => <option value={l.id}>{l.label}</option>)}
          </select>
        </div>
      </form>
    </div>
  );
}
