import { t, tv } from '../i18n';
import type { Counts } from '../types';

export function SeverityBadge({ severity }: { severity: string }) {
  const s = (severity || 'UNKNOWN').toUpperCase();
  return <span class={`badge sev sev-${s.toLowerCase()}`} data-severity={s}>{tv('severity', s)}</span>;
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state state-${state}`} data-state={state}>{tv('state', state)}</span>;
}

export function PriorityBadge({ priority }: { priority?: { score: number; level: string } | null }) {
  if (!priority) return <span class="muted">—</span>;
  return (
    <span class={`prio prio-${priority.level.toLowerCase()}`} title={t('priority.scoreOf', { score: priority.score })}>
      <b>{priority.level}</b> <span class="prio-score">{Math.round(priority.score)}</span>
    </span>
  );
}

export function KevBadge() {
  return <span class="badge kev" title={t('finding.kevHelp')}>KEV</span>;
}

const ORDER: (keyof Counts)[] = ['critical', 'high', 'medium', 'low', 'unknown'];

// A compact bar of severity counts: widths are proportional, numbers readable.
export function CountsBar({ counts }: { counts?: Counts }) {
  const c = counts || {};
  const total = ORDER.reduce((n, k) => n + (c[k] || 0), 0);
  if (!total) return <span class="muted">{t('common.none')}</span>;
  return (
    <div class="counts" aria-label={ORDER.map((k) => `${tv('severity', k.toUpperCase())} ${c[k] || 0}`).join(', ')}>
      {ORDER.filter((k) => c[k]).map((k) => (
        <span class={`count sev-${k}`} title={tv('severity', k.toUpperCase())}>{c[k]}</span>
      ))}
    </div>
  );
}
