/** Coloured status pills for jobs, participants and connections. */

type Tone = 'ok' | 'warn' | 'err' | 'info' | 'neutral';

const TONES: Record<string, Tone> = {
  running: 'info',
  training: 'info',
  evaluating: 'info',
  uploading: 'info',
  connecting: 'warn',
  reconnecting: 'warn',
  'loading-data': 'warn',
  'awaiting-approval': 'warn',
  waiting: 'neutral',
  ready: 'ok',
  connected: 'ok',
  completed: 'ok',
  finished: 'ok',
  online: 'ok',
  aborted: 'err',
  failed: 'err',
  error: 'err',
  offline: 'neutral',
  idle: 'neutral',
  revoked: 'err',
  active: 'ok',
};

const LIVE = new Set(['running', 'training', 'evaluating', 'uploading', 'connecting', 'reconnecting']);

/** A pill showing a status word in a colour that matches its meaning. */
export function StatusBadge(props: { status: string; label?: string }) {
  const tone = TONES[props.status] ?? 'neutral';
  const cls = `badge${tone === 'neutral' ? '' : ` ${tone}`}${LIVE.has(props.status) ? ' live' : ''}`;
  return (
    <span className={cls} data-status={props.status}>
      {props.label ?? props.status.replace(/-/g, ' ')}
    </span>
  );
}
