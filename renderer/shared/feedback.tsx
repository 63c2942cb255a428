/** Progress, empty, error and confirmation pieces: every long operation shows one of these. */
import { useState, type ReactNode } from 'react';
import { Modal } from './modal.tsx';

/** A small spinning ring for operations without a known length. */
export function Spinner(props: { label?: string }) {
  return <span className="spinner" role="status" aria-label={props.label ?? 'Working'} />;
}

/** A progress bar for a 0..1 fraction, or an indeterminate one when the fraction is null. */
export function ProgressBar(props: { value: number | null; label?: string }) {
  const pct = props.value === null ? null : Math.max(0, Math.min(1, props.value)) * 100;
  return (
    <div
      className={`progress${pct === null ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct === null ? undefined : Math.round(pct)}
    >
      <div style={pct === null ? undefined : { width: `${pct}%` }} />
    </div>
  );
}

/** What an empty view says: what is missing and what to do next. */
export function EmptyState(props: { title: string; hint: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{props.title}</strong>
      <div>{props.hint}</div>
      {props.action}
    </div>
  );
}

/** A coloured message strip (errors say what to do next). */
export function Banner(props: {
  tone: 'err' | 'warn' | 'info' | 'ok';
  children: ReactNode;
  onDismiss?: () => void;
  action?: ReactNode;
}) {
  return (
    <div className={`banner ${props.tone}`} role={props.tone === 'err' ? 'alert' : 'status'}>
      <div>{props.children}</div>
      <div className="actions">
        {props.action}
        {props.onDismiss && (
          <button type="button" className="btn small ghost" onClick={props.onDismiss} aria-label="Dismiss">
            ✕
          </button>
        )}
      </div>
    </div>
  );
}

/** Copies text to the clipboard and says so for two seconds. */
export function CopyButton(props: { text: string | (() => string); label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copy() {
    const text = typeof props.text === 'function' ? props.text() : props.text;
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      // Clipboard access can be refused (insecure origin, no permission): fall back to a selection copy.
      const area = document.createElement('textarea');
      area.value = text;
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand('copy');
      area.remove();
      setState(ok ? 'copied' : 'failed');
    }
    setTimeout(() => setState('idle'), 2000);
  }
  return (
    <button type="button" className="btn small" onClick={() => void copy()}>
      {state === 'copied' ? 'Copied ✓' : state === 'failed' ? 'Copy failed' : (props.label ?? 'Copy')}
    </button>
  );
}

/** A modal asking to confirm a consequential action. */
export function ConfirmDialog(props: {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal label={props.title} onCancel={props.busy ? undefined : props.onCancel}>
      <h2>{props.title}</h2>
      <div>{props.body}</div>
      <div className="actions">
        <button type="button" className="btn" onClick={props.onCancel} disabled={props.busy} data-autofocus>
          Cancel
        </button>
        <button
          type="button"
          className={`btn ${props.danger ? 'danger solid' : 'primary'}`}
          onClick={props.onConfirm}
          disabled={props.busy}
        >
          {props.busy && <Spinner />}
          {props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
