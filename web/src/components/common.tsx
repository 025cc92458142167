import type { ComponentChildren } from 'preact';
import { t } from '../i18n';

export function Loading() {
  return <div class="loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true" />{t('common.loading')}</div>;
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof Error ? error.message : String(error);
  return <div class="alert alert-error" role="alert" data-testid="error">{msg}</div>;
}

export function Empty({ children }: { children?: ComponentChildren }) {
  return <div class="empty">{children ?? t('common.empty')}</div>;
}

export function Card({ title, actions, children, testid }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; testid?: string }) {
  return (
    <section class="panel" data-testid={testid}>
      {(title || actions) && (
        <header class="panel-head">
          {title && <h2>{title}</h2>}
          {actions && <div class="panel-actions">{actions}</div>}
        </header>
      )}
      <div class="panel-body">{children}</div>
    </section>
  );
}

export function Tabs({ tabs, active, onSelect }: { tabs: { id: string; label: string }[]; active: string; onSelect: (id: string) => void }) {
  return (
    <div class="tabs" role="tablist">
      {tabs.map((tab) => (
        <button type="button" role="tab" aria-selected={tab.id === active} class={tab.id === active ? 'tab active' : 'tab'}
          data-testid={`tab-${tab.id}`} onClick={() => onSelect(tab.id)}>{tab.label}</button>
      ))}
    </div>
  );
}

export function KeyValues({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows.map(([k, v]) => (<><dt>{k}</dt><dd>{v ?? '—'}</dd></>))}
    </dl>
  );
}
