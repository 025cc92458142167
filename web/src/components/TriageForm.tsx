import { useState } from 'preact/hooks';
import { t, tv } from '../i18n';
import { JUSTIFICATIONS, STATES, type Finding } from '../types';

export interface TriageChange {
  state?: string;
  assignee?: string;
  due_date?: string;
  comment?: string;
  exception?: { reason?: string; until?: string; until_fix?: boolean };
  justification?: string;
}

// One form for a single finding and for bulk triage: only the fields the user
// filled in go into the change, so a bulk "assign" does not reset the state.
export function TriageForm({ finding, bulk, busy, onSubmit, submitLabel }: {
  finding?: Finding; bulk?: boolean; busy?: boolean; submitLabel?: string;
  onSubmit: (change: TriageChange) => void;
}) {
  const [state, setState] = useState<string>(bulk ? '' : finding?.state || '');
  const [assignee, setAssignee] = useState(bulk ? '' : finding?.assignee || '');
  const [due, setDue] = useState(bulk ? '' : finding?.due_date?.slice(0, 10) || '');
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState(finding?.exception?.reason || '');
  const [until, setUntil] = useState(finding?.exception?.until?.slice(0, 10) || '');
  const [untilFix, setUntilFix] = useState(!!finding?.exception?.until_fix);
  const [justification, setJustification] = useState(finding?.justification || '');
  const [error, setError] = useState('');
  const p = bulk ? 'bulk' : 'triage';

  function submit(e: Event) {
    e.preventDefault();
    setError('');
    const change: TriageChange = {};
    if (state && (bulk || state !== finding?.state || state === 'accepted_risk')) change.state = state;
    if (bulk ? assignee.trim() !== '' : assignee.trim() !== (finding?.assignee || '')) change.assignee = assignee.trim();
    if (due && due !== (finding?.due_date || '').slice(0, 10)) change.due_date = due;
    if (comment.trim()) change.comment = comment.trim();
    if (state === 'accepted_risk') {
      if (!until && !untilFix) { setError(t('triage.needUntil')); return; }
      if (!reason.trim()) { setError(t('triage.needReason')); return; }
      change.exception = { reason: reason.trim(), until_fix: untilFix };
      if (until) change.exception.until = until;
    }
    if (state === 'false_positive') {
      if (!justification) { setError(t('triage.needJustification')); return; }
      change.justification = justification;
    }
    if (!Object.keys(change).length) { setError(t('triage.nothing')); return; }
    onSubmit(change);
  }

  return (
    <form class={`triage-form ${bulk ? 'bulk' : ''}`} onSubmit={submit} data-testid={`${p}-form`}>
      <div class="form-row">
        <label class="field">
          <span>{t('finding.state')}</span>
          <select name="state" data-testid={`${p}-state`} value={state} onChange={(e) => setState((e.target as HTMLSelectElement).value)}>
            {bulk && <option value="">{t('triage.unchanged')}</option>}
            {/* 'fixed' is set by scans, not by people. */}
            {STATES.filter((s) => s !== 'fixed' || (!bulk && finding?.state === 'fixed')).map((s) => <option value={s} disabled={s === 'fixed'}>{tv('state', s)}</option>)}
          </select>
        </label>
        <label class="field">
          <span>{t('finding.assignee')}</span>
          <input name="assignee" data-testid={`${p}-assignee`} value={assignee} placeholder={bulk ? t('triage.unchanged') : ''}
            onInput={(e) => setAssignee((e.target as HTMLInputElement).value)} />
        </label>
        {!bulk && (
          <label class="field">
            <span>{t('finding.dueDate')}</span>
            <input name="due_date" type="date" value={due} onInput={(e) => setDue((e.target as HTMLInputElement).value)} />
          </label>
        )}
      </div>
      {state === 'accepted_risk' && (
        <fieldset class="form-row sub" data-testid={`${p}-exception`}>
          <legend>{t('triage.exception')}</legend>
          <label class="field grow">
            <span>{t('triage.reason')}</span>
            <input name="reason" data-testid={`${p}-reason`} value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <label class="field">
            <span>{t('triage.until')}</span>
            <input name="until" type="date" data-testid={`${p}-until`} value={until} min={new Date(Date.now() + 86400000).toISOString().slice(0, 10)} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
          </label>
          <label class="check">
            <input type="checkbox" name="until_fix" data-testid={`${p}-until-fix`} checked={untilFix} onChange={(e) => setUntilFix((e.target as HTMLInputElement).checked)} />
            {t('triage.untilFix')}
          </label>
        </fieldset>
      )}
      {state === 'false_positive' && (
        <div class="form-row sub">
          <label class="field grow">
            <span>{t('triage.justification')}</span>
            <select name="justification" data-testid={`${p}-justification`} value={justification} onChange={(e) => setJustification((e.target as HTMLSelectElement).value)}>
              <option value="">{t('triage.choose')}</option>
              {JUSTIFICATIONS.map((j) => <option value={j}>{tv('justification', j)}</option>)}
            </select>
          </label>
        </div>
      )}
      <div class="form-row">
        <label class="field grow">
          <span>{t('triage.comment')}</span>
          <input name="comment" data-testid={`${p}-comment`} value={comment} onInput={(e) => setComment((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {error && <div class="alert alert-error" role="alert">{error}</div>}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid={`${p}-submit`}>{submitLabel || t('triage.apply')}</button>
      </div>
    </form>
  );
}
