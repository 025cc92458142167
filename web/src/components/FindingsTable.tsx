import { t, tv, fmtDate } from '../i18n';
import { href } from '../router';
import type { Finding } from '../types';
import { KevBadge, PriorityBadge, SeverityBadge, StateBadge } from './badges';

export const SORTABLE = ['priority', 'severity', 'first_seen', 'last_seen', 'epss', 'due_date'];

export function SortHeader({ col, label, sort, order, onSort }: { col: string; label: string; sort: string; order: string; onSort?: (col: string) => void }) {
  if (!onSort) return <th scope="col">{label}</th>;
  const active = sort === col;
  const aria = active ? (order === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={aria}>
      <button type="button" class={`sort ${active ? 'active' : ''}`} data-testid={`sort-${col}`} onClick={() => onSort(col)}>
        {label}<span class="sort-ind" aria-hidden="true">{active ? (order === 'asc' ? '▲' : '▼') : '↕'}</span>
      </button>
    </th>
  );
}

function locationText(l: Finding['location']): string {
  if (!l) return '';
  if (typeof l === 'string') return l;
  const o = l as Record<string, unknown>;
  return [o.path, o.line].filter(Boolean).join(':');
}

export function FindingsTable({ items, selected, onToggle, onToggleAll, sort = 'priority', order = 'desc', onSort, showArtifact = true }: {
  items: Finding[];
  selected?: Set<string>;
  onToggle?: (id: string) => void;
  onToggleAll?: (on: boolean) => void;
  sort?: string; order?: string; onSort?: (col: string) => void;
  showArtifact?: boolean;
}) {
  const allOn = !!selected && items.length > 0 && items.every((f) => selected.has(String(f.id)));
  return (
    <div class="table-wrap">
      <table class="table findings" data-testid="findings-table">
        <thead>
          <tr>
            {selected && (
              <th scope="col" class="col-check">
                <input type="checkbox" aria-label={t('findings.selectAll')} data-testid="select-all" checked={allOn}
                  onChange={(e) => onToggleAll?.((e.target as HTMLInputElement).checked)} />
              </th>
            )}
            <SortHeader col="priority" label={t('finding.priority')} sort={sort} order={order} onSort={onSort} />
            <SortHeader col="severity" label={t('finding.severity')} sort={sort} order={order} onSort={onSort} />
            <th scope="col">{t('finding.rule')}</th>
            <th scope="col">{t('finding.package')}</th>
            {showArtifact && <th scope="col">{t('finding.artifact')}</th>}
            <th scope="col">{t('finding.state')}</th>
            <th scope="col">{t('finding.assignee')}</th>
            <SortHeader col="epss" label="EPSS" sort={sort} order={order} onSort={onSort} />
            <SortHeader col="due_date" label={t('finding.dueDate')} sort={sort} order={order} onSort={onSort} />
            <SortHeader col="first_seen" label={t('finding.firstSeen')} sort={sort} order={order} onSort={onSort} />
          </tr>
        </thead>
        <tbody>
          {items.map((f) => {
            const id = String(f.id);
            const overdue = f.due_date && f.state !== 'fixed' && f.due_date.slice(0, 10) < new Date().toISOString().slice(0, 10);
            return (
              <tr data-testid="finding-row" data-finding-id={id} data-rule={f.rule_id} class={selected?.has(id) ? 'selected' : ''}>
                {selected && (
                  <td class="col-check">
                    <input type="checkbox" aria-label={t('findings.select', { id: f.rule_id })} checked={selected.has(id)}
                      data-testid="row-check" onChange={() => onToggle?.(id)} />
                  </td>
                )}
                <td><PriorityBadge priority={f.priority} /></td>
                <td><SeverityBadge severity={f.severity} /></td>
                <td class="col-rule">
                  <a href={href('/findings/' + encodeURIComponent(id))} class="rule-link">{f.rule_id}</a>
                  {f.kev && <KevBadge />}
                  {f.kind !== 'vulnerability' && <span class="badge kind">{tv('kind', f.kind)}</span>}
                  <div class="sub-text" title={f.title}>{f.title}</div>
                </td>
                <td class="col-pkg">
                  {f.package_name ? (
                    <>
                      <span class="mono">{f.package_name}</span> <span class="muted mono">{f.package_version}</span>
                      {f.fixed_versions && f.fixed_versions.length > 0 && <div class="sub-text fix">→ {f.fixed_versions.join(', ')}</div>}
                    </>
                  ) : <span class="muted mono small ellip loc" title={locationText(f.location)}>{locationText(f.location)}</span>}
                </td>
                {showArtifact && <td><a class="ellip" title={f.artifact_name} href={href('/artifacts/' + encodeURIComponent(String(f.artifact_id)))}>{f.artifact_name || f.artifact_id}</a></td>}
                <td>
                  <StateBadge state={f.state} />
                  {f.exception?.until && <div class="sub-text">{t('finding.until', { date: fmtDate(f.exception.until) })}</div>}
                  {f.exception?.until_fix && <div class="sub-text">{t('finding.untilFixShort')}</div>}
                </td>
                <td>{f.assignee || <span class="muted">—</span>}</td>
                <td class="num">{f.epss === null || f.epss === undefined ? '—' : (f.epss * 100).toFixed(1) + '%'}</td>
                <td class={overdue ? 'overdue' : ''}>{fmtDate(f.due_date)}</td>
                <td>{fmtDate(f.first_seen)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
