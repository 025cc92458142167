import { useEffect, useState } from 'preact/hooks';
import { del, enc, get, patch, post, put } from '../api';
import { fmtDateTime, t, tv } from '../i18n';
import { navigate, type Route } from '../router';
import { ROLES, PRIORITIES, type AdminUser, type AuditEntry, type Page, type Settings, type Token, type User } from '../types';
import { Card, Empty, ErrorBox, Loading, Tabs } from '../components/common';

const SECTIONS = ['users', 'tokens', 'settings', 'audit'];

export function AdminPage({ route, user }: { route: Route; user: User }) {
  const section = SECTIONS.includes(route.parts[1]) ? route.parts[1] : 'users';
  return (
    <div class="page" data-testid="admin-page">
      <div class="page-head"><h1>{t('admin.title')}</h1></div>
      <Tabs tabs={SECTIONS.map((s) => ({ id: s, label: t(`admin.${s}` as 'admin.users') }))} active={section} onSelect={(s) => navigate('/admin/' + s)} />
      <div class="tab-body" role="tabpanel">
        {section === 'users' && <Users me={user} />}
        {section === 'tokens' && <Tokens />}
        {section === 'settings' && <SettingsForm />}
        {section === 'audit' && <Audit />}
      </div>
    </div>
  );
}

function listOf<T>(r: Page<T> | T[] | { users?: T[]; tokens?: T[] }): T[] {
  if (Array.isArray(r)) return r;
  if ('items' in r) return r.items;
  return (r as { users?: T[] }).users || (r as { tokens?: T[] }).tokens || [];
}

function RoleSelect({ value, onChange, label, testid }: { value: string; onChange: (v: string) => void; label: string; testid?: string }) {
  return (
    <select aria-label={label} value={value} data-testid={testid} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
      {ROLES.map((r) => <option value={r}>{tv('role', r)}</option>)}
    </select>
  );
}

type Panel = { name: string; kind: 'password' | 'delete' } | null;

// Every change, done or refused, reloads the list: a refusal (the server
// answers 409 to demoting, disabling or deleting yourself) shows the server's
// message and the row's controls go back to what the server holds.
function Users({ me }: { me: User }) {
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [panel, setPanel] = useState<Panel>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [password, setPassword] = useState('');
  const [v, setV] = useState(0);
  useEffect(() => { get<Page<AdminUser> | AdminUser[]>('/users').then((r) => setUsers(listOf(r))).catch(setError); }, [v]);
  const run = async (p: () => Promise<unknown>, ok: string) => {
    setBusy(true); setError(null); setNotice('');
    try { await p(); setNotice(ok); setPanel(null); return true; }
    catch (e) { setError(e); return false; }
    finally { setBusy(false); setV((x) => x + 1); }
  };
  const path = (u: AdminUser) => '/users/' + enc(u.name);
  const toggle = (u: AdminUser, kind: 'password' | 'delete') => {
    setError(null); setNotice('');
    setPanel(panel && panel.name === u.name && panel.kind === kind ? null : { name: u.name, kind });
  };
  return (
    <>
      <ErrorBox error={error} />
      {notice && <div class="alert alert-ok" role="status" data-testid="notice">{notice}</div>}
      <Card title={t('admin.users')}>
        {!users ? <Loading /> : (
          <table class="table" data-testid="users-table">
            <thead><tr><th scope="col">{t('admin.name')}</th><th scope="col">{t('admin.role')}</th><th scope="col">{t('admin.status')}</th><th scope="col">{t('admin.created')}</th><th scope="col">{t('admin.lastLogin')}</th><th scope="col"><span class="sr-only">{t('admin.actions')}</span></th></tr></thead>
            <tbody>
              {users.map((u) => {
                const open = panel && panel.name === u.name ? panel.kind : null;
                return [
                  <tr key={u.name} data-testid="user-row" data-user={u.name} data-role={u.role} data-disabled={u.disabled ? 'true' : 'false'}>
                    <td>{u.name}{u.name === me.name && <> <span class="tag" data-testid="user-you">{t('admin.you')}</span></>}</td>
                    <td><RoleSelect label={t('admin.roleOf', { name: u.name })} value={u.role} testid="user-role"
                      onChange={(r) => run(() => patch(path(u), { role: r }), t('admin.roleChanged', { name: u.name, role: tv('role', r) }))} /></td>
                    <td>{u.disabled
                      ? <span class="badge user-disabled" data-testid="user-status">{t('admin.disabled')}</span>
                      : <span class="badge user-active" data-testid="user-status">{t('admin.active')}</span>}</td>
                    <td>{fmtDateTime(u.created_at)}</td>
                    <td>{fmtDateTime(u.last_login)}</td>
                    <td class="right nowrap">
                      <div class="row-actions" role="group" aria-label={t('admin.actionsFor', { name: u.name })}>
                        <button type="button" class="btn btn-small" aria-expanded={open === 'password'} data-testid="user-set-password"
                          onClick={() => toggle(u, 'password')}>{t('admin.setPassword')}</button>
                        <button type="button" class="btn btn-small" disabled={busy} data-testid="user-toggle-disabled"
                          onClick={() => run(() => patch(path(u), { disabled: !u.disabled }),
                            t(u.disabled ? 'admin.userEnabled' : 'admin.userDisabled', { name: u.name }))}>
                          {t(u.disabled ? 'admin.enable' : 'admin.disable')}</button>
                        <button type="button" class="btn btn-danger btn-small" aria-expanded={open === 'delete'} data-testid="user-delete"
                          onClick={() => toggle(u, 'delete')}>{t('admin.delete')}</button>
                      </div>
                    </td>
                  </tr>,
                  open === 'password' && (
                    <tr key={`${u.name}:password`} class="row-panel"><td colSpan={6}>
                      <PasswordForm name={u.name} busy={busy} onCancel={() => setPanel(null)}
                        onSubmit={(pw) => run(() => patch(path(u), { password: pw }), t('admin.passwordChanged', { name: u.name }))} />
                    </td></tr>
                  ),
                  open === 'delete' && (
                    <tr key={`${u.name}:delete`} class="row-panel"><td colSpan={6}>
                      <div class="confirm" role="alertdialog" aria-label={t('admin.delete')} data-testid="confirm-delete">
                        <span>{t('admin.confirmDeleteUser', { name: u.name })}</span>
                        <button type="button" class="btn btn-danger btn-small" disabled={busy} data-testid="confirm-delete-yes"
                          onClick={() => run(() => del(path(u)), t('admin.userDeleted', { name: u.name }))}>{t('admin.delete')}</button>
                        <button type="button" class="btn btn-ghost btn-small" onClick={() => setPanel(null)}>{t('admin.cancel')}</button>
                      </div>
                    </td></tr>
                  ),
                ];
              })}
            </tbody>
          </table>
        )}
      </Card>
      <Card title={t('admin.newUser')}>
        <form class="form-row" data-testid="new-user" onSubmit={(e) => {
          e.preventDefault();
          const created = name;
          run(() => post('/users', { name, role, password }), t('admin.userCreated', { name: created }))
            .then((ok) => { if (ok) { setName(''); setPassword(''); } });
        }}>
          <label class="field"><span>{t('admin.name')}</span><input required data-testid="new-user-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
          <label class="field"><span>{t('admin.role')}</span><RoleSelect label={t('admin.role')} testid="new-user-role" value={role} onChange={setRole} /></label>
          <label class="field"><span>{t('login.password')}</span><input type="password" minLength={12} required autocomplete="new-password" data-testid="new-user-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></label>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="new-user-submit">{t('admin.create')}</button>
        </form>
        <p class="muted small">{t('admin.passwordRule')}</p>
      </Card>
    </>
  );
}

// A new password typed twice; the server checks the length again.
function PasswordForm({ name, busy, onSubmit, onCancel }: { name: string; busy: boolean; onSubmit: (pw: string) => void; onCancel: () => void }) {
  const [pw, setPw] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState('');
  return (
    <form class="form-row" data-testid="password-form" onSubmit={(e) => {
      e.preventDefault();
      if (pw.length < 12) setProblem(t('admin.passwordRule'));
      else if (pw !== again) setProblem(t('admin.passwordMismatch'));
      else { setProblem(''); onSubmit(pw); }
    }}>
      <label class="field"><span>{t('admin.newPasswordFor', { name })}</span>
        <input type="password" required minLength={12} autocomplete="new-password" data-testid="password-new" value={pw}
          onInput={(e) => setPw((e.target as HTMLInputElement).value)} /></label>
      <label class="field"><span>{t('admin.repeatPassword')}</span>
        <input type="password" required autocomplete="new-password" data-testid="password-repeat" value={again}
          onInput={(e) => setAgain((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" class="btn btn-primary btn-small" disabled={busy} data-testid="password-submit">{t('admin.setPassword')}</button>
      <button type="button" class="btn btn-ghost btn-small" onClick={onCancel}>{t('admin.cancel')}</button>
      {problem && <div class="alert alert-error inline-alert" role="alert" data-testid="password-problem">{problem}</div>}
    </form>
  );
}

function Tokens() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState('operator');
  const [created, setCreated] = useState<{ id: string | number; token: string } | null>(null);
  const [v, setV] = useState(0);
  useEffect(() => { get<Page<Token> | Token[]>('/tokens').then((r) => setTokens(listOf(r))).catch(setError); }, [v]);
  const run = (p: Promise<unknown>) => p.then(() => { setError(null); setV((x) => x + 1); }).catch(setError);
  return (
    <>
      <ErrorBox error={error} />
      {created && (
        <div class="alert alert-ok" role="status" data-testid="new-token">
          <p><b>{t('admin.tokenOnce')}</b></p>
          <code class="secret">{created.token}</code>{' '}
          <button type="button" class="btn btn-small" onClick={() => navigator.clipboard?.writeText(created.token)}>{t('admin.copy')}</button>{' '}
          <button type="button" class="btn btn-ghost btn-small" onClick={() => setCreated(null)}>{t('admin.dismiss')}</button>
        </div>
      )}
      <Card title={t('admin.tokens')}>
        {!tokens ? <Loading /> : tokens.length ? (
          <table class="table" data-testid="tokens-table">
            <thead><tr><th scope="col">ID</th><th scope="col">{t('admin.name')}</th><th scope="col">{t('admin.role')}</th><th scope="col">{t('admin.created')}</th><th scope="col">{t('admin.lastUsed')}</th><th scope="col"><span class="sr-only">{t('admin.actions')}</span></th></tr></thead>
            <tbody>
              {tokens.map((k) => (
                <tr>
                  <td class="mono small">{String(k.id)}</td><td>{k.name}</td><td>{tv('role', k.role)}</td>
                  <td>{fmtDateTime(k.created_at)}</td><td>{fmtDateTime(k.last_used as string | undefined)}</td>
                  <td class="right"><button type="button" class="btn btn-danger btn-small" onClick={() => confirm(t('admin.confirmRevoke', { name: k.name })) && run(del('/tokens/' + enc(String(k.id))))}>{t('admin.revoke')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <Empty />}
      </Card>
      <Card title={t('admin.newToken')}>
        <form class="form-row" onSubmit={(e) => { e.preventDefault(); post<{ id: string | number; token: string }>('/tokens', { name, role }).then((r) => { setCreated(r); setName(''); setV((x) => x + 1); }).catch(setError); }}>
          <label class="field"><span>{t('admin.name')}</span><input required data-testid="token-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
          <label class="field"><span>{t('admin.role')}</span><RoleSelect label={t('admin.role')} value={role} onChange={setRole} /></label>
          <button type="submit" class="btn btn-primary" data-testid="token-create">{t('admin.create')}</button>
        </form>
      </Card>
    </>
  );
}

function SettingsForm() {
  const [s, setS] = useState<Settings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => { get<Settings>('/settings').then(setS).catch(setError); }, []);
  if (!s) return error ? <ErrorBox error={error} /> : <Loading />;
  const wh = s.webhook || {};
  const setWh = (k: string, v: string) => setS({ ...s, webhook: { ...wh, [k]: v } });
  return (
    <form onSubmit={(e) => {
      e.preventDefault(); setSaved(false);
      put<Settings>('/settings', s).then((r) => { if (r && r.sla_days) setS(r); setSaved(true); setError(null); }).catch(setError);
    }} data-testid="settings-form">
      <ErrorBox error={error} />
      {saved && <div class="alert alert-ok" role="status">{t('admin.saved')}</div>}
      <Card title={t('admin.sla')}>
        <p class="muted small">{t('admin.slaHelp')}</p>
        <div class="form-row">
          {PRIORITIES.map((p) => (
            <label class="field"><span>{t('admin.slaDays', { p })}</span>
              <input type="number" min={1} max={3650} required value={String(s.sla_days?.[p] ?? '')}
                onInput={(e) => setS({ ...s, sla_days: { ...s.sla_days, [p]: Number((e.target as HTMLInputElement).value) } })} /></label>
          ))}
        </div>
      </Card>
      <Card title={t('admin.webhook')}>
        <div class="form-row">
          <label class="field grow"><span>URL</span><input type="url" data-testid="webhook-url" value={wh.url || ''} placeholder="https://tickets.example/api" onInput={(e) => setWh('url', (e.target as HTMLInputElement).value)} /></label>
          <label class="field"><span>{t('admin.format')}</span>
            <select data-testid="webhook-format" value={wh.format || 'generic'} onChange={(e) => setWh('format', (e.target as HTMLSelectElement).value)}>
              <option value="generic">{t('admin.formatGeneric')}</option><option value="jira">Jira</option>
            </select></label>
          <label class="field"><span>{t('admin.projectKey')}</span><input data-testid="webhook-project-key" value={wh.project_key || ''} onInput={(e) => setWh('project_key', (e.target as HTMLInputElement).value)} /></label>
        </div>
      </Card>
      <div class="form-actions"><button type="submit" class="btn btn-primary">{t('admin.save')}</button></div>
    </form>
  );
}

function Audit() {
  const [rows, setRows] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const load = (after: string | null) => {
    setLoading(true);
    get<Page<AuditEntry>>('/audit?limit=100' + (after ? '&cursor=' + enc(after) : ''))
      .then((p) => { setRows((r) => (after ? [...r, ...p.items] : p.items)); setCursor(p.next_cursor); })
      .catch(setError).finally(() => setLoading(false));
  };
  useEffect(() => load(null), []);
  return (
    <Card title={t('admin.audit')}>
      <ErrorBox error={error} />
      {rows.length ? (
        <table class="table" data-testid="audit-table">
          <thead><tr><th scope="col">{t('audit.at')}</th><th scope="col">{t('audit.actor')}</th><th scope="col">{t('audit.action')}</th><th scope="col">{t('audit.object')}</th><th scope="col">{t('audit.detail')}</th><th scope="col">{t('audit.client')}</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr><td class="nowrap">{fmtDateTime(r.at)}</td><td>{r.actor}</td><td class="mono small">{r.action}</td><td class="mono small">{r.object || '—'}</td>
                <td class="small wrap">{r.detail === undefined || r.detail === null ? '—' : typeof r.detail === 'string' ? r.detail : JSON.stringify(r.detail)}</td><td class="mono small">{r.client || '—'}</td></tr>
            ))}
          </tbody>
        </table>
      ) : !loading && <Empty />}
      {loading && <Loading />}
      {cursor && !loading && <div class="more"><button type="button" class="btn" onClick={() => load(cursor)}>{t('findings.loadMore')}</button></div>}
    </Card>
  );
}
