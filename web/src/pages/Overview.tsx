import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { fmtDateTime, fmtNumber, lang, t, tv } from '../i18n';
import type { Counts, Overview, Practice, TrendDay } from '../types';
import { Card, ErrorBox, Loading } from '../components/common';
import { Sparkline, TrendChart } from '../components/charts';
import { href } from '../router';

const STAGE_ORDER = ['defense', 'protection', 'detection', 'response'];

export function OverviewPage() {
  const [data, setData] = useState<Overview | null>(null);
  const [trends, setTrends] = useState<TrendDay[] | null>(null);
  const [days, setDays] = useState(30);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    get<Overview>('/overview').then(setData).catch(setError);
  }, []);
  useEffect(() => {
    get<{ days: TrendDay[] }>(`/trends?days=${days}`).then((r) => setTrends(r.days || [])).catch(setError);
  }, [days]);

  if (error && !data) return <div class="page"><ErrorBox error={error} /></div>;
  if (!data) return <Loading />;

  const stages = [...data.stages].sort((a, b) => STAGE_ORDER.indexOf(a.id) - STAGE_ORDER.indexOf(b.id));
  // Open counts come from the overview's totals, or else the last trend day.
  const totalsOpen = data.totals?.open as Counts | undefined;
  const last = trends && trends.length ? trends[trends.length - 1] : null;
  const openCounts = totalsOpen && typeof totalsOpen === 'object' ? totalsOpen : last?.open;
  const open = openCounts ? (['critical', 'high', 'medium', 'low'] as const).map((s) => [s, openCounts[s] || 0] as const) : [];

  return (
    <div class="page" data-testid="overview">
      <div class="page-head">
        <h1>{t('overview.title')}</h1>
        {data.generated_at && <span class="muted small">{t('overview.generated', { at: fmtDateTime(data.generated_at) })}</span>}
      </div>

      <div class="overview-top">
        <div class="kpis">
          {open.map(([s, n]) => (
            <a class={`kpi kpi-${s}`} href={href('/findings', { severity: s.toUpperCase() })} data-testid={`kpi-${s}`}>
              <span class="kpi-label">{t('overview.openSeverity', { sev: tv('severity', s.toUpperCase()) })}</span>
              <span class="kpi-value">{fmtNumber(n)}</span>
            </a>
          ))}
          <Totals totals={data.totals} />
        </div>
        <Card title={t('overview.trends')} testid="trends" actions={
          <select aria-label={t('overview.period')} value={String(days)} onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}>
            {[7, 30, 90].map((d) => <option value={String(d)}>{t('overview.lastDays', { n: d })}</option>)}
          </select>
        }>
          {trends ? <TrendChart days={trends} /> : <Loading />}
        </Card>
      </div>

      <div class="stages" data-testid="stages">
        {stages.map((stage) => (
          <section class={`stage stage-${stage.id}`} data-testid={`stage-${stage.id}`} aria-labelledby={`stage-${stage.id}-title`}>
            <h2 id={`stage-${stage.id}-title`} class="stage-title">{lang() === 'en' ? stage.title : tv('stage', stage.id)}</h2>
            {stage.practices.map((p) => <PracticeCard p={p} />)}
          </section>
        ))}
      </div>
    </div>
  );
}

// Artifacts by kind and the number of scans, as the server counts them.
function Totals({ totals }: { totals?: Record<string, unknown> }) {
  if (!totals) return null;
  const tiles: { id: string; label: string; value: number; link?: string }[] = [];
  const byKind = totals.artifacts;
  if (byKind && typeof byKind === 'object') {
    for (const [kind, n] of Object.entries(byKind as Record<string, number>))
      if (typeof n === 'number') tiles.push({ id: 'artifacts-' + kind, label: tv('artifactKinds', kind), value: n, link: href('/artifacts', { kind }) });
  } else if (typeof byKind === 'number') {
    tiles.push({ id: 'artifacts', label: tv('total', 'artifacts'), value: byKind, link: href('/artifacts') });
  }
  for (const [k, v] of Object.entries(totals))
    if (typeof v === 'number' && k !== 'artifacts') tiles.push({ id: k, label: tv('total', k), value: v });
  return (
    <>
      {tiles.slice(0, 4).map((x) => {
        const body = (<><span class="kpi-label">{x.label}</span><span class="kpi-value">{fmtNumber(x.value)}</span></>);
        return x.link
          ? <a class="kpi kpi-neutral" href={x.link} data-testid={`total-${x.id}`}>{body}</a>
          : <div class="kpi kpi-neutral" data-testid={`total-${x.id}`}>{body}</div>;
      })}
    </>
  );
}

function PracticeCard({ p }: { p: Practice }) {
  // English titles come from the server; other languages translate by the practice number.
  const title = lang() === 'en' ? p.title : tv('practice', String(p.id));
  return (
    <article class={`practice status-${p.status}`} data-testid={`practice-${p.key}`} data-status={p.status} aria-label={title}>
      <header>
        <span class="practice-num">{p.id}</span>
        <h3>{title}</h3>
        <span class={`status-pill status-${p.status}`}>{tv('status', p.status)}</span>
      </header>
      {p.status === 'no_data' ? (
        <div class="practice-nodata">
          <p>{t('overview.noData')}</p>
          {p.feed && <p class="feed" data-testid="feed"><span class="feed-label">{t('overview.howToFeed')}</span> <code>{p.feed}</code></p>}
        </div>
      ) : (
        <>
          <div class="practice-score">
            <span class="score" aria-label={t('overview.score')}>{p.score === null ? '—' : Math.round(p.score)}</span>
            <span class="score-max">/100</span>
            <Sparkline points={(p.trend || []).map((x) => x.score)} />
          </div>
          {p.drivers && p.drivers.length > 0 && (
            <ul class="drivers">{p.drivers.map((d) => <li>{d}</li>)}</ul>
          )}
        </>
      )}
    </article>
  );
}
