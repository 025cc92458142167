import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { API, get, post } from '../api';
import { fmtNumber, t, tv } from '../i18n';
import { navigate, parseHash, type Route } from '../router';
import { KINDS, PRIORITIES, SEVERITIES, STATES, type Artifact, type Finding, type Page, type User } from '../types';
import { ErrorBox, Loading, Empty } from '../components/common';
import { FindingsTable } from '../components/FindingsTable';
import { TriageForm, type TriageChange } from '../components/TriageForm';
import { canOperate } from '../roles';

// URL query keys are the API's own filter names, so the list, the CSV export
// and a bookmarked view all mean the same thing.
export const FILTER_KEYS = ['severity', 'state', 'kind', 'kev', 'fixable', 'internet_facing', 'priority', 'q', 'artifact', 'package', 'assignee', 'sort', 'order'];

export function filterQuery(q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = q.get(k);
    if (v) out.set(k, v);
  }
  return out;
}

function MultiChips({ name, label, values, selected, render, onChange }: {
  name: string; label: string; values: string[]; selected: string[]; render: (v: string) => string; onChange: (v: string[]) => void;
}) {
  return (
    <fieldset class="chips" data-testid={`filter-${name}`}>
      <legend>{label}</legend>
      {values.map((v) => {
        const on = selected.includes(v);
        return (
          <label class={`chip ${on ? 'on' : ''} chip-${name}-${v.toLowerCase()}`}>
            <input type="checkbox" checked={on} value={v}
              onChange={() => onChange(on ? selected.filter((x) => x !== v) : [...selected, v])} />
            {render(v)}
          </label>
        );
      })}
    </fieldset>
  );
}

export function FindingsPage({ route, user }: { route: Route; user: User }) {
  const filters = filterQuery(route.query);
  const key = filters.toString();
  const [items, setItems] = useState<Finding[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [estimate, setEstimate] = useState(false);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [artifacts, setArtifacts] = useState<Artifact[]>([]);
  const [bulkBusy, setBulkBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [text, setText] = useState(filters.get('q') || '');
  const [reload, setReload] = useState(0);

  const list = (k: string) => (filters.get(k) || '').split(',').filter(Boolean);
  // Changes start from the address as it is now, not as it was at the last
  // render: a click right after another change must not bring back old filters.
  const current = () => filterQuery(parseHash().query);
  const setFilter = (k: string, v: string | string[] | boolean) => {
    const next = current();
    const val = Array.isArray(v) ? v.join(',') : v === true ? 'true' : v === false ? '' : v;
    if (val) next.set(k, val); else next.delete(k);
    navigate('/findings', next, true);
  };

  useEffect(() => {
    get<Page<Artifact>>('/artifacts?limit=500&sort=name').then((r) => setArtifacts(r.items)).catch(() => setArtifacts([]));
  }, []);

  // Answers can arrive out of order when filters change quickly: only the
  // latest request may fill the list.
  const latest = useRef(0);
  async function load(after: string | null) {
    const seq = ++latest.current;
    setLoading(true);
    setError(null);
    try {
      const q = new URLSearchParams(filters);
      q.set('limit', '50');
      if (after) q.set('cursor', after);
      const page = await get<Page<Finding>>('/findings?' + q.toString());
      if (seq !== latest.current) return;
      setItems((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setTotal(page.total);
      setEstimate(!!page.total_is_estimate);
    } catch (e) {
      if (seq !== latest.current) return;
      setError(e);
      if (!after) setItems([]);
    } finally {
      if (seq === latest.current) setLoading(false);
    }
  }

  useEffect(() => { setSelected(new Set()); load(null); }, [key, reload]);
  useEffect(() => { setText(filters.get('q') || ''); }, [filters.get('q')]);

  const sort = filters.get('sort') || 'priority';
  const order = filters.get('order') || 'desc';
  const onSort = (col: string) => {
    const next = current();
    const was = (next.get('sort') || 'priority') === col && (next.get('order') || 'desc') === 'desc';
    next.set('sort', col);
    next.set('order', was ? 'asc' : 'desc');
    navigate('/findings', next, true);
  };

  async function bulk(change: TriageChange) {
    setBulkBusy(true);
    setNotice('');
    try {
      const r = await post<{ updated: number }>('/findings/bulk', { ids: [...selected].map(idValue), change });
      setNotice(t('bulk.done', { n: r.updated }));
      setReload((n) => n + 1);
    } catch (e) {
      setError(e);
    } finally {
      setBulkBusy(false);
    }
  }

  const exportHref = useMemo(() => API + '/findings/export.csv' + (key ? '?' + key : ''), [key]);
  const operator = canOperate(user);

  return (
    <div class="page" data-testid="findings-page">
      <div class="page-head">
        <h1>{t('findings.title')}</h1>
        <div class="page-actions">
          <a class="btn" href={exportHref} download="findings.csv" data-testid="export-csv">{t('findings.exportCsv')}</a>
        </div>
      </div>

      <section class="filters panel" aria-label={t('findings.filters')}>
        <form class="filter-row" role="search" onSubmit={(e) => {
          e.preventDefault();
          // The field's own value: a render may not have caught up with the last keystroke.
          const field = (e.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement;
          setFilter('q', field.value.trim());
        }}>
          <label class="field grow">
            <span>{t('findings.search')}</span>
            <input type="search" name="q" data-testid="filter-q" value={text} placeholder={t('findings.searchHint')}
              onInput={(e) => setText((e.target as HTMLInputElement).value)} />
          </label>
          <label class="field">
            <span>{t('finding.kind')}</span>
            <select data-testid="filter-kind" value={filters.get('kind') || ''} onChange={(e) => setFilter('kind', (e.target as HTMLSelectElement).value)}>
              <option value="">{t('common.all')}</option>
              {KINDS.map((k) => <option value={k}>{tv('kind', k)}</option>)}
            </select>
          </label>
          <label class="field">
            <span>{t('finding.artifact')}</span>
            <select data-testid="filter-artifact" value={filters.get('artifact') || ''} onChange={(e) => setFilter('artifact', (e.target as HTMLSelectElement).value)}>
              <option value="">{t('common.all')}</option>
              {artifacts.map((a) => <option value={String(a.id)}>{a.name}</option>)}
            </select>
          </label>
          <button type="submit" class="btn">{t('findings.apply')}</button>
          {key && <button type="button" class="btn btn-ghost" data-testid="filter-clear" onClick={() => navigate('/findings', undefined, true)}>{t('findings.clear')}</button>}
        </form>
        <div class="filter-row">
          <MultiChips name="severity" label={t('finding.severity')} values={SEVERITIES} selected={list('severity')} render={(v) => tv('severity', v)} onChange={(v) => setFilter('severity', v)} />
          <MultiChips name="priority" label={t('finding.priority')} values={PRIORITIES} selected={list('priority')} render={(v) => v} onChange={(v) => setFilter('priority', v)} />
          <MultiChips name="state" label={t('finding.state')} values={STATES} selected={list('state')} render={(v) => tv('state', v)} onChange={(v) => setFilter('state', v)} />
          <fieldset class="chips">
            <legend>{t('findings.flags')}</legend>
            {(['kev', 'fixable', 'internet_facing'] as const).map((f) => (
              <label class={`chip ${filters.get(f) === 'true' ? 'on' : ''}`}>
                <input type="checkbox" data-testid={`filter-${f}`} checked={filters.get(f) === 'true'} onChange={(e) => setFilter(f, (e.target as HTMLInputElement).checked)} />
                {t(`findings.flag.${f}` as 'findings.flag.kev')}
              </label>
            ))}
          </fieldset>
        </div>
      </section>

      {operator && selected.size > 0 && (
        <section class="panel bulk-bar" data-testid="bulk-bar" aria-label={t('bulk.title')}>
          <div class="bulk-head"><b>{t('bulk.selected', { n: selected.size })}</b>
            <button type="button" class="btn btn-ghost" onClick={() => setSelected(new Set())}>{t('bulk.clear')}</button></div>
          <TriageForm bulk busy={bulkBusy} onSubmit={bulk} submitLabel={t('bulk.apply', { n: selected.size })} />
        </section>
      )}
      {notice && <div class="alert alert-ok" role="status" data-testid="notice">{notice}</div>}
      <ErrorBox error={error} />

      <div class="list-meta" data-testid="findings-total">
        {total !== null && t(estimate ? 'findings.totalEstimate' : 'findings.total', { n: fmtNumber(total) })}
        {!filters.get('state') && <span class="muted"> · {t('findings.defaultStates')}</span>}
      </div>
      {items.length > 0 ? (
        <FindingsTable items={items} sort={sort} order={order} onSort={onSort}
          selected={operator ? selected : undefined}
          onToggle={(id) => setSelected((s) => { const n = new Set(s); n.has(id) ? n.delete(id) : n.add(id); return n; })}
          onToggleAll={(on) => setSelected(on ? new Set(items.map((f) => String(f.id))) : new Set())} />
      ) : !loading && <Empty>{t('findings.none')}</Empty>}
      {loading && <Loading />}
      {cursor && !loading && (
        <div class="more"><button type="button" class="btn" data-testid="load-more" onClick={() => load(cursor)}>{t('findings.loadMore')}</button></div>
      )}
    </div>
  );
}

// Ids travel as strings in the DOM; send numbers back as numbers.
export function idValue(id: string): string | number {
  return /^\d+$/.test(id) ? Number(id) : id;
}
