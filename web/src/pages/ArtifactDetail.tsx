import { useEffect, useState } from 'preact/hooks';
import { enc, get, patch } from '../api';
import { fmtBytes, fmtDate, fmtDateTime, fmtNumber, t, tv } from '../i18n';
import { href, navigate, type Route } from '../router';
import type { Artifact, Finding, Page, PackageRow, PatchPlan, Scan, User, Counts } from '../types';
import { CountsBar } from '../components/badges';
import { Card, Empty, ErrorBox, KeyValues, Loading, Tabs } from '../components/common';
import { FindingsTable } from '../components/FindingsTable';
import { canOperate } from '../roles';
import { osText } from './Artifacts';

const TABS = ['summary', 'layers', 'packages', 'findings', 'patch', 'compliance', 'scans'];

export function ArtifactDetailPage({ id, route, user }: { id: string; route: Route; user: User }) {
  const tab = route.query.get('tab') || 'summary';
  const [a, setA] = useState<Artifact | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    // The server answers {artifact, latest_scan, layers, compliance}; accept the flat form too.
    get<Artifact & { artifact?: Artifact }>('/artifacts/' + enc(id))
      .then((r) => setA(r.artifact ? { ...r.artifact, latest_scan: r.latest_scan, layers: r.layers, compliance: r.compliance } : r))
      .catch(setError);
  }, [id, version]);

  if (!a) return <div class="page">{error ? <ErrorBox error={error} /> : <Loading />}</div>;
  const tabs = TABS.filter((x) => x !== 'layers' || a.kind === 'image').map((x) => ({ id: x, label: t(`artifact.tab.${x}` as 'artifact.tab.summary') }));

  return (
    <div class="page" data-testid="artifact-detail" data-kind={a.kind}>
      <nav class="crumbs" aria-label={t('nav.breadcrumb')}><a href={href('/artifacts')}>{t('nav.artifacts')}</a> / <span>{tv('artifactKind', a.kind)}</span></nav>
      <div class="page-head">
        <h1 class="break">{a.name}</h1>
        <CountsBar counts={a.counts} />
      </div>
      <ErrorBox error={error} />
      <Tabs tabs={tabs} active={tab} onSelect={(x) => navigate('/artifacts/' + enc(id), x === 'summary' ? undefined : { tab: x }, true)} />
      <div class="tab-body" role="tabpanel">
        {tab === 'summary' && <Summary a={a} user={user} onChanged={() => setVersion((v) => v + 1)} onError={setError} />}
        {tab === 'layers' && <Layers a={a} />}
        {tab === 'packages' && <Packages id={id} />}
        {tab === 'findings' && <ArtifactFindings id={id} />}
        {tab === 'patch' && <Patch id={id} />}
        {tab === 'compliance' && <Compliance id={id} summary={a.compliance} />}
        {tab === 'scans' && <Scans id={id} />}
      </div>
    </div>
  );
}

function Summary({ a, user, onChanged, onError }: { a: Artifact; user: User; onChanged: () => void; onError: (e: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  const scan = a.latest_scan;
  async function toggle(v: boolean) {
    setBusy(true);
    try { await patch('/artifacts/' + enc(String(a.id)), { internet_facing: v }); onChanged(); }
    catch (e) { onError(e); }
    finally { setBusy(false); }
  }
  const eolPast = a.eol_date && a.eol_date < new Date().toISOString().slice(0, 10);
  return (
    <div class="grid-2">
      <Card title={t('artifact.summary')} testid="artifact-summary">
        <KeyValues rows={[
          [t('artifact.kind'), tv('artifactKind', a.kind)],
          [t('artifact.digest'), a.digest ? <span class="mono small break">{a.digest}</span> : '—'],
          [t('artifact.tags'), a.tags?.length ? <div class="tags" data-testid="tags">{a.tags.map((x) => <span class="tag">{x}</span>)}</div> : '—'],
          [t('artifact.repositories'), a.repositories?.length ? <div class="tags">{a.repositories.map((x) => <span class="tag">{x}</span>)}</div> : '—'],
          [t('artifact.os'), <>{osText(a.os)}{a.eol_date && <span class={eolPast ? 'danger' : 'muted'}> · {t('artifact.eolOn', { date: fmtDate(a.eol_date) })}</span>}</>],
          [t('artifact.firstSeen'), fmtDateTime(a.first_seen)],
          [t('artifact.lastSeen'), fmtDateTime(a.last_seen)],
          [t('artifact.risk'), a.risk === undefined ? '—' : String(Math.round(a.risk))],
          [t('artifact.exposure'), (
            <label class="check">
              <input type="checkbox" data-testid="internet-facing" checked={!!a.internet_facing} disabled={busy || !canOperate(user)}
                onChange={(e) => toggle((e.target as HTMLInputElement).checked)} />
              {t('artifact.internetFacing')}
            </label>
          )],
        ]} />
      </Card>
      <Card title={t('artifact.latestScan')}>
        {scan ? <KeyValues rows={[
          [t('scan.created'), fmtDateTime(scan.created_at)],
          [t('scan.received'), fmtDateTime(scan.received_at)],
          [t('scan.tool'), scan.tool_version || '—'],
          [t('scan.scanners'), scannersText(scan.scanners)],
          [t('artifact.findings'), <CountsBar counts={scan.counts} />],
        ]} /> : <Empty />}
        <p><a href={href('/findings', { artifact: String(a.id) })} data-testid="artifact-findings-link">{t('artifact.openFindings')}</a></p>
      </Card>
      {a.digests && a.digests.length > 1 && (
        <Card title={t('artifact.digests')} testid="digests">
          <table class="table">
            <thead><tr><th scope="col">{t('artifact.digest')}</th><th scope="col">{t('artifact.tags')}</th><th scope="col">{t('artifact.firstSeen')}</th><th scope="col">{t('artifact.lastSeen')}</th></tr></thead>
            <tbody>
              {a.digests.map((d) => (
                <tr><td class="mono small" title={d.digest}>{d.digest.slice(0, 19)}…</td><td class="small">{(d.tags || []).join(', ') || '—'}</td>
                  <td>{fmtDate(d.first_seen)}</td><td>{fmtDate(d.last_seen)}</td></tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}

function scannersText(s: Scan['scanners']): string {
  if (!s) return '—';
  if (Array.isArray(s)) return s.join(', ') || '—';
  return Object.keys(s).join(', ') || '—';
}

function layerFindings(f: number | Counts | undefined) {
  if (f === undefined || f === null) return '—';
  if (typeof f === 'number') return fmtNumber(f);
  return <CountsBar counts={f} />;
}

function Layers({ a }: { a: Artifact }) {
  const layers = a.layers || [];
  if (!layers.length) return <Empty />;
  return (
    <div class="table-wrap">
      <table class="table" data-testid="layers-table">
        <thead><tr><th scope="col">#</th><th scope="col">{t('layer.createdBy')}</th><th scope="col">{t('layer.digest')}</th><th scope="col" class="num">{t('layer.size')}</th><th scope="col">{t('artifact.findings')}</th></tr></thead>
        <tbody>
          {layers.map((l, i) => (
            <tr data-testid="layer-row">
              <td>{i + 1}</td>
              <td class="mono small wrap">{l.created_by || '—'}</td>
              <td class="mono small" title={l.digest}>{l.digest?.slice(0, 19)}…</td>
              <td class="num">{fmtBytes(l.size)}</td>
              <td>{layerFindings(l.findings)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Packages({ id }: { id: string }) {
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState('');
  const [rows, setRows] = useState<PackageRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setRows(null);
    get<Page<PackageRow> | PackageRow[]>('/artifacts/' + enc(id) + '/packages' + (applied ? '?q=' + enc(applied) : ''))
      .then((r) => setRows(Array.isArray(r) ? r : r.items)).catch(setError);
  }, [id, applied]);
  return (
    <Card title={t('artifact.tab.packages')} actions={
      <form role="search" onSubmit={(e) => { e.preventDefault(); setApplied(q.trim()); }}>
        <input type="search" aria-label={t('packages.search')} placeholder={t('packages.search')} value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </form>
    }>
      <ErrorBox error={error} />
      {!rows ? <Loading /> : rows.length ? (
        <div class="table-wrap">
          <table class="table" data-testid="packages-table">
            <thead><tr><th scope="col">{t('package.name')}</th><th scope="col">{t('package.version')}</th><th scope="col">{t('package.ecosystem')}</th><th scope="col">{t('package.layer')}</th><th scope="col" class="num">{t('artifact.findings')}</th></tr></thead>
            <tbody>
              {rows.map((p) => (
                <tr>
                  <td class="mono" title={p.purl}>{p.name}</td>
                  <td class="mono">{p.version}</td>
                  <td>{p.ecosystem || '—'}</td>
                  <td class="mono small" title={p.layer || ''}>{p.layer ? p.layer.slice(0, 19) + '…' : '—'}</td>
                  <td class="num">{p.findings ? <a href={href('/findings', { artifact: id, package: p.name })}>{p.findings}</a> : '0'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <Empty />}
    </Card>
  );
}

function ArtifactFindings({ id }: { id: string }) {
  const [page, setPage] = useState<Page<Finding> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { get<Page<Finding>>('/findings?artifact=' + enc(id) + '&limit=100').then(setPage).catch(setError); }, [id]);
  return (
    <Card title={t('artifact.tab.findings')} actions={<a class="btn" href={href('/findings', { artifact: id })}>{t('artifact.openFindings')}</a>}>
      <ErrorBox error={error} />
      {!page ? <Loading /> : page.items.length ? <FindingsTable items={page.items} showArtifact={false} /> : <Empty>{t('findings.none')}</Empty>}
      {page && page.next_cursor && <p class="muted small">{t('artifact.moreFindings', { n: fmtNumber(page.total) })}</p>}
    </Card>
  );
}

function Patch({ id }: { id: string }) {
  const [plan, setPlan] = useState<PatchPlan | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { get<PatchPlan>('/artifacts/' + enc(id) + '/patch-plan').then(setPlan).catch(setError); }, [id]);
  if (error) return <ErrorBox error={error} />;
  if (!plan) return <Loading />;
  return (
    <div data-testid="patch-plan">
      {(plan.warnings || []).map((w) => <div class="alert alert-warn" role="note">{w}</div>)}
      {plan.base_image && (
        <div class="alert alert-info" data-testid="base-image">
          <b>{t('patch.baseImage')}</b> {plan.base_image.suggestion}
          {plan.base_image.share_of_findings !== undefined && <> · {t('patch.share', { pct: Math.round(plan.base_image.share_of_findings * 100) })}</>}
        </div>
      )}
      {plan.os && <p class="muted">{t('artifact.os')}: {[plan.os.family, plan.os.version].filter(Boolean).join(' ')}{plan.os.eol_date && ` · ${t('artifact.eolOn', { date: fmtDate(plan.os.eol_date) })}`}</p>}
      {plan.packages.length ? (
        <div class="table-wrap">
          <table class="table">
            <thead><tr><th scope="col">{t('package.name')}</th><th scope="col">{t('patch.installed')}</th><th scope="col">{t('patch.upgradeTo')}</th><th scope="col">{t('patch.fixes')}</th><th scope="col">{t('patch.unfixed')}</th><th scope="col">{t('patch.origin')}</th></tr></thead>
            <tbody>
              {plan.packages.map((p) => (
                <tr>
                  <td class="mono">{p.name} <span class="muted small">{p.ecosystem}</span></td>
                  <td class="mono">{p.installed}</td>
                  <td class="mono fix">{p.upgrade_to || <span class="muted">{t('patch.noUpgrade')}</span>}</td>
                  <td class="small">{(p.fixes || []).join(', ') || '—'}</td>
                  <td class="small">{(p.unfixed || []).join(', ') || '—'}</td>
                  <td class="small">{p.from_base_image ? t('patch.fromBase') : t('patch.fromApp')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <Empty>{t('patch.nothing')}</Empty>}
    </div>
  );
}

function Compliance({ id, summary }: { id: string; summary?: Artifact['compliance'] }) {
  const [data, setData] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => { get<unknown>('/artifacts/' + enc(id) + '/compliance').then(setData).catch(setError); }, [id]);
  if (error) return <ErrorBox error={error} />;
  if (data === null) return <Loading />;
  const reports = (Array.isArray(data) ? data : ((data as { reports?: unknown[]; items?: unknown[] }).reports || (data as { items?: unknown[] }).items || [])) as Record<string, unknown>[];
  if (!reports.length && !(summary && summary.length)) return <Empty>{t('compliance.none')}</Empty>;
  return (
    <div data-testid="compliance">
      {reports.map((r) => {
        const controls = (r.controls || r.results || []) as Record<string, unknown>[];
        return (
          <Card title={String(r.title || r.spec || r.id || r.name || '')}>
            <p class="muted">{(() => {
              const counts = ((r.summary && typeof r.summary === 'object' ? r.summary : r.counts && typeof r.counts === 'object' ? r.counts : r)) as Record<string, unknown>;
              return ['pass', 'passed', 'fail', 'failed', 'warn', 'manual', 'error'].filter((k) => typeof counts[k] === 'number').map((k) => `${tv('compliance', k)}: ${counts[k]}`).join(' · ');
            })()}</p>
            {controls.length > 0 && (
              <table class="table">
                <thead><tr><th scope="col">{t('compliance.control')}</th><th scope="col">{t('compliance.title')}</th><th scope="col">{t('compliance.status')}</th></tr></thead>
                <tbody>
                  {controls.map((c) => (
                    <tr><td class="mono small">{String(c.id ?? '')}</td><td>{String(c.title ?? c.name ?? '')}</td>
                      <td><span class={`badge cstatus-${String(c.status ?? '').toLowerCase()}`}>{tv('compliance', String(c.status ?? ''))}</span></td></tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        );
      })}
    </div>
  );
}

function Scans({ id }: { id: string }) {
  const [rows, setRows] = useState<Scan[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<Page<Scan> | Scan[]>('/scans?artifact=' + enc(id)).then((r) => setRows(Array.isArray(r) ? r : r.items)).catch(setError);
  }, [id]);
  if (error) return <ErrorBox error={error} />;
  if (!rows) return <Loading />;
  if (!rows.length) return <Empty />;
  return (
    <table class="table" data-testid="scans-table">
      <thead><tr><th scope="col">{t('scan.created')}</th><th scope="col">{t('scan.received')}</th><th scope="col">{t('scan.tool')}</th><th scope="col">{t('scan.scanners')}</th><th scope="col">{t('artifact.findings')}</th></tr></thead>
      <tbody>
        {rows.map((s) => (
          <tr><td>{fmtDateTime(s.created_at)}</td><td>{fmtDateTime(s.received_at)}</td><td>{s.tool_version || '—'}</td><td>{scannersText(s.scanners)}</td><td><CountsBar counts={s.counts} /></td></tr>
        ))}
      </tbody>
    </table>
  );
}
