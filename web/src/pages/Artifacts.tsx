import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api';
import { fmtDate, fmtNumber, t, tv } from '../i18n';
import { href, navigate, parseHash, type Route } from '../router';
import { ARTIFACT_KINDS, type Artifact, type Page } from '../types';
import { CountsBar } from '../components/badges';
import { ErrorBox, Loading, Empty, Tabs } from '../components/common';
import { SortHeader } from '../components/FindingsTable';

export function osText(os: Artifact['os']): string {
  if (!os) return '—';
  if (typeof os === 'string') return os;
  return [os.name || os.family, os.version].filter(Boolean).join(' ') || '—';
}

export function ArtifactsPage({ route }: { route: Route }) {
  const q = route.query;
  const kind = q.get('kind') || '';
  const sort = q.get('sort') || 'risk';
  const order = q.get('order') || 'desc';
  const search = q.get('q') || '';
  const [items, setItems] = useState<Artifact[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [total, setTotal] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [text, setText] = useState(search);

  const set = (k: string, v: string) => {
    const n = new URLSearchParams(parseHash().query);
    if (v) n.set(k, v); else n.delete(k);
    navigate('/artifacts', n, true);
  };

  const latest = useRef(0);  // only the latest request may fill the list
  async function load(after: string | null) {
    const seq = ++latest.current;
    setLoading(true); setError(null);
    try {
      const p = new URLSearchParams();
      if (kind) p.set('kind', kind);
      if (search) p.set('q', search);
      p.set('sort', sort); p.set('order', order); p.set('limit', '50');
      if (after) p.set('cursor', after);
      const page = await get<Page<Artifact>>('/artifacts?' + p.toString());
      if (seq !== latest.current) return;
      setItems((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.next_cursor); setTotal(page.total);
    } catch (e) { if (seq === latest.current) setError(e); }
    finally { if (seq === latest.current) setLoading(false); }
  }
  useEffect(() => { load(null); }, [kind, sort, order, search]);

  const onSort = (col: string) => {
    const n = new URLSearchParams(parseHash().query);
    const was = (n.get('sort') || 'risk') === col && (n.get('order') || 'desc') === 'desc';
    n.set('sort', col);
    n.set('order', was ? 'asc' : 'desc');
    navigate('/artifacts', n, true);
  };

  return (
    <div class="page" data-testid="artifacts-page">
      <div class="page-head"><h1>{t('artifacts.title')}</h1></div>
      <div class="toolbar">
        <Tabs tabs={[{ id: '', label: t('common.all') }, ...ARTIFACT_KINDS.map((k) => ({ id: k, label: tv('artifactKinds', k) }))]}
          active={kind} onSelect={(id) => set('kind', id)} />
        <form role="search" class="inline-search" onSubmit={(e) => {
          e.preventDefault();
          const field = (e.currentTarget as HTMLFormElement).elements.namedItem('q') as HTMLInputElement;
          set('q', field.value.trim());
        }}>
          <input type="search" name="q" aria-label={t('artifacts.search')} placeholder={t('artifacts.search')} data-testid="artifact-q" value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </form>
      </div>
      <ErrorBox error={error} />
      {total !== null && <div class="list-meta">{t('artifacts.total', { n: fmtNumber(total) })}</div>}
      {items.length ? (
        <div class="table-wrap">
          <table class="table" data-testid="artifacts-table">
            <thead>
              <tr>
                <SortHeader col="name" label={t('artifact.name')} sort={sort} order={order} onSort={onSort} />
                <th scope="col">{t('artifact.kind')}</th>
                <th scope="col">{t('artifact.os')}</th>
                <th scope="col">{t('artifact.findings')}</th>
                <SortHeader col="risk" label={t('artifact.risk')} sort={sort} order={order} onSort={onSort} />
                <th scope="col">{t('artifact.exposure')}</th>
                <SortHeader col="last_seen" label={t('artifact.lastSeen')} sort={sort} order={order} onSort={onSort} />
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr data-testid="artifact-row" data-artifact-id={String(a.id)}>
                  <td>
                    <a href={href('/artifacts/' + encodeURIComponent(String(a.id)))} class="strong">{a.name}</a>
                    {a.tags && a.tags.length > 0 && <div class="sub-text">{a.tags.slice(0, 3).join(', ')}{a.tags.length > 3 ? ' …' : ''}</div>}
                  </td>
                  <td>{tv('artifactKind', a.kind)}</td>
                  <td>{osText(a.os)}{a.eol_date && <div class={`sub-text ${a.eol_date < new Date().toISOString().slice(0, 10) ? 'danger' : ''}`}>{t('artifact.eolOn', { date: fmtDate(a.eol_date) })}</div>}</td>
                  <td><CountsBar counts={a.counts} /></td>
                  <td class="num">{a.risk === undefined ? '—' : Math.round(a.risk)}</td>
                  <td>{a.internet_facing ? <span class="badge exposed">{t('artifact.internetFacing')}</span> : <span class="muted">—</span>}</td>
                  <td>{fmtDate(a.last_seen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : !loading && <Empty>{t('artifacts.none')}</Empty>}
      {loading && <Loading />}
      {cursor && !loading && <div class="more"><button type="button" class="btn" onClick={() => load(cursor)}>{t('findings.loadMore')}</button></div>}
    </div>
  );
}
