// Small SVG charts drawn by hand: a sparkline for practice scores and a
// stacked area chart for open findings plus new/fixed bars. No chart library:
// the board is compiled into the binary and should stay small.
import { t, tv, fmtNumber } from '../i18n';
import type { TrendDay } from '../types';

export function Sparkline({ points, width = 120, height = 28, label }: { points: (number | null)[]; width?: number; height?: number; label?: string }) {
  const vals = points.map((p) => (p === null || p === undefined ? null : Number(p)));
  const known = vals.filter((v): v is number => v !== null);
  if (known.length < 2) return <svg class="spark" width={width} height={height} role="img" aria-label={label || t('chart.noTrend')} />;
  const min = 0, max = 100;
  const step = width / (vals.length - 1);
  const y = (v: number) => height - 2 - ((v - min) / (max - min)) * (height - 4);
  let d = '';
  vals.forEach((v, i) => {
    if (v === null) return;
    d += (d && vals[i - 1] !== null ? 'L' : 'M') + (i * step).toFixed(1) + ',' + y(v).toFixed(1);
  });
  const last = known[known.length - 1];
  const first = known[0];
  const cls = last > first ? 'up' : last < first ? 'down' : 'flat';
  const lastIdx = vals.lastIndexOf(last);
  return (
    <svg class={`spark spark-${cls}`} width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img"
      aria-label={label || t('chart.trendFromTo', { from: first, to: last })}>
      <path d={d} fill="none" stroke-width="1.5" />
      <circle cx={lastIdx * step} cy={y(last)} r="2" />
    </svg>
  );
}

const SEV = ['critical', 'high', 'medium', 'low'] as const;

function niceMax(v: number): number {
  if (v <= 5) return 5;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function TrendChart({ days }: { days: TrendDay[] }) {
  const W = 640, H = 180, padL = 40, padR = 8, padT = 8, padB = 22;
  const BH = 60; // height of the new/fixed bar strip
  if (!days.length) return <div class="empty">{t('chart.noData')}</div>;
  const totals = days.map((d) => SEV.reduce((n, s) => n + (d.open?.[s] || 0), 0));
  const maxY = niceMax(Math.max(1, ...totals));
  const n = days.length;
  const x = (i: number) => padL + (n === 1 ? (W - padL - padR) / 2 : (i * (W - padL - padR)) / (n - 1));
  const y = (v: number) => padT + (H - padT - padB) * (1 - v / maxY);
  // Stack from critical at the bottom upwards.
  const layers: { sev: string; d: string }[] = [];
  const base = new Array(n).fill(0);
  for (const s of SEV) {
    const top = days.map((d, i) => base[i] + (d.open?.[s] || 0));
    let d = 'M' + x(0) + ',' + y(top[0]);
    for (let i = 1; i < n; i++) d += 'L' + x(i).toFixed(1) + ',' + y(top[i]).toFixed(1);
    for (let i = n - 1; i >= 0; i--) d += 'L' + x(i).toFixed(1) + ',' + y(base[i]).toFixed(1);
    layers.push({ sev: s, d: d + 'Z' });
    top.forEach((v, i) => (base[i] = v));
  }
  const ticks = [0, maxY / 2, maxY];
  const labelEvery = Math.max(1, Math.ceil(n / 6));
  const maxBar = niceMax(Math.max(1, ...days.map((d) => Math.max(d.new || 0, d.fixed || 0))));
  const bw = Math.max(2, Math.min(10, ((W - padL - padR) / n) / 2 - 1));
  const by = (v: number) => (BH - 14) * (v / maxBar);
  const last = days[n - 1];
  return (
    <div class="trend" data-testid="trend-chart">
      <svg viewBox={`0 0 ${W} ${H}`} class="trend-svg" role="img"
        aria-label={t('chart.openSummary', { date: last.date, n: totals[n - 1] })}>
        {ticks.map((v) => (
          <g>
            <line x1={padL} x2={W - padR} y1={y(v)} y2={y(v)} class="grid" />
            <text x={padL - 6} y={y(v) + 4} text-anchor="end" class="axis">{fmtNumber(v)}</text>
          </g>
        ))}
        {layers.map((l) => <path d={l.d} class={`area sev-fill-${l.sev}`}><title>{tv('severity', l.sev.toUpperCase())}</title></path>)}
        {days.map((d, i) => (i % labelEvery === 0 || i === n - 1) && (
          <text x={x(i)} y={H - 6} text-anchor={i === n - 1 && n > 1 ? 'end' : i === 0 ? 'start' : 'middle'} class="axis">{d.date.slice(5)}</text>
        ))}
      </svg>
      <svg viewBox={`0 0 ${W} ${BH}`} class="trend-svg bars" role="img" aria-label={t('chart.newFixedSummary')}>
        <line x1={padL} x2={W - padR} y1={BH - 14} y2={BH - 14} class="grid" />
        <text x={padL - 6} y={12} text-anchor="end" class="axis">{fmtNumber(maxBar)}</text>
        {days.map((d, i) => (
          <g>
            <rect x={x(i) - bw - 0.5} y={BH - 14 - by(d.new || 0)} width={bw} height={by(d.new || 0)} class="bar-new"><title>{`${d.date}: ${t('chart.new')} ${d.new || 0}`}</title></rect>
            <rect x={x(i) + 0.5} y={BH - 14 - by(d.fixed || 0)} width={bw} height={by(d.fixed || 0)} class="bar-fixed"><title>{`${d.date}: ${t('chart.fixed')} ${d.fixed || 0}`}</title></rect>
          </g>
        ))}
      </svg>
      <div class="legend">
        {SEV.map((s) => <span><i class={`sw sev-bg-${s}`} />{tv('severity', s.toUpperCase())}</span>)}
        <span><i class="sw bg-new" />{t('chart.new')}</span>
        <span><i class="sw bg-fixed" />{t('chart.fixed')}</span>
      </div>
    </div>
  );
}

// A ring showing a 0-100 score.
export function ScoreRing({ score, level, size = 84 }: { score: number; level?: string; size?: number }) {
  const r = size / 2 - 7, c = 2 * Math.PI * r;
  const v = Math.max(0, Math.min(100, score));
  return (
    <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} class={`ring ${level ? 'ring-' + level.toLowerCase() : ''}`} role="img"
      aria-label={t('priority.scoreOf', { score: Math.round(v) })}>
      <circle cx={size / 2} cy={size / 2} r={r} class="ring-bg" />
      <circle cx={size / 2} cy={size / 2} r={r} class="ring-fg" stroke-dasharray={`${(c * v) / 100} ${c}`}
        transform={`rotate(-90 ${size / 2} ${size / 2})`} />
      <text x="50%" y="50%" dy="0.35em" text-anchor="middle" class="ring-text">{Math.round(v)}</text>
    </svg>
  );
}
