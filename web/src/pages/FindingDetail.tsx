import { useEffect, useState } from 'preact/hooks';
import { enc, get, patch, post } from '../api';
import { fmtDate, fmtDateTime, t, tv } from '../i18n';
import { href } from '../router';
import type { Finding, User, HistoryEntry } from '../types';
import { Card, ErrorBox, KeyValues, Loading, Empty } from '../components/common';
import { KevBadge, PriorityBadge, SeverityBadge, StateBadge } from '../components/badges';
import { ScoreRing } from '../components/charts';
import { TriageForm, type TriageChange } from '../components/TriageForm';
import { canOperate } from '../roles';

const FACTOR_MAX: Record<string, number> = { cvss: 40, severity: 40, network: 10, epss: 20, kev: 20, fix: 10, age: 10, exposure: 15 };

function locationText(l: Finding['location']): string {
  if (!l) return '—';
  if (typeof l === 'string') return l;
  const o = l as Record<string, unknown>;
  return [o.path, o.line].filter(Boolean).join(':') || JSON.stringify(l);
}

function historyText(h: HistoryEntry): string {
  const parts: string[] = [];
  const action = h.action || h.change;
  if (action) parts.push(tv('history', String(action)));
  if (h.field) parts.push(tv('field', String(h.field)));
  const from = h.old ?? h.from, to = h.new ?? h.to;
  const show = (v: string) => (h.field === 'state' ? tv('state', v) : v);
  if (from || to) parts.push(`${from ? show(from) : '—'} → ${to ? show(to) : '—'}`);
  if (h.note) parts.push(String(h.note));
  if (h.detail) parts.push(typeof h.detail === 'string' ? h.detail : JSON.stringify(h.detail));
  return parts.join(' · ');
}

export function FindingDetailPage({ id, user }: { id: string; user: User }) {
  const [f, setF] = useState<Finding | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [comment, setComment] = useState('');
  const [version, setVersion] = useState(0);

  useEffect(() => {
    get<Finding>('/findings/' + enc(id)).then(setF).catch(setError);
  }, [id, version]);

  async function act(fn: () => Promise<unknown>, ok: string) {
    setBusy(true); setError(null); setNotice('');
    try { await fn(); setNotice(ok); setVersion((v) => v + 1); }
    catch (e) { setError(e); }
    finally { setBusy(false); }
  }

  if (!f) return <div class="page">{error ? <ErrorBox error={error} /> : <Loading />}</div>;
  const operator = canOperate(user);
  const factors = f.priority?.factors || [];
  const ticket = f.ticket ? (typeof f.ticket === 'string' ? f.ticket : JSON.stringify(f.ticket)) : '';
  // The scanner's own record of the finding (description, references, evidence).
  const description = f.description || f.finding?.description;
  const references = f.references || f.finding?.references || [];
  const evidence = f.finding?.evidence;

  return (
    <div class="page" data-testid="finding-detail">
      <nav class="crumbs" aria-label={t('nav.breadcrumb')}><a href={href('/findings')}>{t('nav.findings')}</a> / <span>{f.rule_id}</span></nav>
      <div class="page-head">
        <h1><span class="mono">{f.rule_id}</span> <SeverityBadge severity={f.severity} /> {f.kev && <KevBadge />} <StateBadge state={f.state} /></h1>
        {operator && (
          <div class="page-actions">
            <button type="button" class="btn" disabled={busy} data-testid="ticket"
              onClick={() => act(() => post('/findings/' + enc(id) + '/ticket'), t('finding.ticketSent'))}>{t('finding.ticket')}</button>
          </div>
        )}
      </div>
      {f.title && <p class="lead">{f.title}</p>}
      {notice && <div class="alert alert-ok" role="status" data-testid="notice">{notice}</div>}
      <ErrorBox error={error} />

      <div class="grid-2">
        <Card title={t('finding.details')}>
          <KeyValues rows={[
            [t('finding.kind'), tv('kind', f.kind)],
            [t('finding.artifact'), <a href={href('/artifacts/' + enc(String(f.artifact_id)))}>{f.artifact_name || f.artifact_id}</a>],
            [t('finding.package'), f.package_name ? <span class="mono">{f.package_name} {f.package_version}</span> : '—'],
            [t('finding.fixedVersions'), f.fixed_versions?.length ? <span class="mono">{f.fixed_versions.join(', ')}</span> : t('finding.noFix')],
            [t('finding.location'), <span class="mono small">{locationText(f.location)}</span>],
            ['EPSS', f.epss === null || f.epss === undefined ? '—' : (f.epss * 100).toFixed(2) + '%'],
            [t('finding.assignee'), f.assignee || '—'],
            [t('finding.dueDate'), fmtDate(f.due_date)],
            [t('finding.firstSeen'), fmtDateTime(f.first_seen)],
            [t('finding.lastSeen'), fmtDateTime(f.last_seen)],
            [t('finding.fixedAt'), fmtDateTime(f.fixed_at)],
            [t('finding.exception'), f.exception ? (
              <span data-testid="exception">
                {f.exception.until && t('finding.until', { date: fmtDate(f.exception.until) })}
                {f.exception.until && f.exception.until_fix && ' · '}
                {f.exception.until_fix && t('finding.untilFixShort')}
                {f.exception.reason && <div class="sub-text">{f.exception.reason}</div>}
              </span>) : '—'],
            ...(f.justification ? [[t('triage.justification'), tv('justification', f.justification)] as [string, string]] : []),
            ...(ticket ? [[t('finding.ticketRef'), <span data-testid="ticket-ref">{ticket}</span>] as [string, preact.ComponentChildren]] : []),
          ]} />
          {description && <p class="desc">{description}</p>}
          {evidence && <p class="small"><span class="muted">{t('finding.evidence')}:</span> <code>{evidence}</code></p>}
          {references.length > 0 && (
            <ul class="refs">{references.map((r) => <li><a href={r} target="_blank" rel="noopener noreferrer">{r}</a></li>)}</ul>
          )}
        </Card>

        <Card title={t('priority.title')} testid="priority">
          <div class="prio-head">
            {f.priority && <ScoreRing score={f.priority.score} level={f.priority.level} />}
            <div>
              <PriorityBadge priority={f.priority} />
              <p class="muted small">{t('priority.explain')}</p>
            </div>
          </div>
          {factors.length ? (
            <table class="table factors" data-testid="priority-factors">
              <thead><tr><th scope="col">{t('priority.factor')}</th><th scope="col" class="num">{t('priority.points')}</th><th scope="col">{t('priority.detail')}</th></tr></thead>
              <tbody>
                {factors.map((x) => (
                  <tr data-factor={x.factor}>
                    <th scope="row">{tv('factor', x.factor)}</th>
                    <td class="num">
                      <span class="factor-bar"><i style={{ width: Math.min(100, (Math.abs(x.points) / (FACTOR_MAX[x.factor] || 20)) * 100) + '%' }} class={x.points < 0 ? 'neg' : ''} /></span>
                      {x.points > 0 ? '+' : ''}{x.points}
                    </td>
                    <td class="small">{x.detail || tv('factorHelp', x.factor)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <Empty />}
        </Card>
      </div>

      {operator && (
        <Card title={t('triage.title')} testid="triage">
          <TriageForm key={version} finding={f} busy={busy} onSubmit={(change: TriageChange) => act(() => patch('/findings/' + enc(id), change), t('triage.saved'))} />
        </Card>
      )}

      <div class="grid-2">
        <Card title={t('finding.comments')} testid="comments">
          {f.comments && f.comments.length ? (
            <ul class="comments">
              {f.comments.map((c) => (
                <li><div class="comment-meta"><b>{c.author || c.actor || '—'}</b> <span class="muted small">{fmtDateTime(c.at || c.created_at)}</span></div><div class="comment-text">{c.text}</div></li>
              ))}
            </ul>
          ) : <Empty>{t('finding.noComments')}</Empty>}
          {operator && (
            <form class="comment-form" onSubmit={(e) => {
              e.preventDefault();
              const text = comment.trim();
              if (!text) return;
              act(() => post('/findings/' + enc(id) + '/comments', { text }).then(() => setComment('')), t('finding.commentAdded'));
            }}>
              <label class="field grow">
                <span class="sr-only">{t('finding.addComment')}</span>
                <textarea rows={2} name="comment" data-testid="comment-text" placeholder={t('finding.addComment')} value={comment}
                  onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
              </label>
              <button type="submit" class="btn" disabled={busy || !comment.trim()} data-testid="comment-submit">{t('finding.addComment')}</button>
            </form>
          )}
        </Card>
        <Card title={t('finding.history')} testid="history">
          {f.history && f.history.length ? (
            <ol class="timeline">
              {f.history.map((h) => (
                <li><span class="muted small">{fmtDateTime(h.at)}</span> <b>{h.actor || t('finding.system')}</b><div>{historyText(h)}</div></li>
              ))}
            </ol>
          ) : <Empty />}
        </Card>
      </div>
    </div>
  );
}
