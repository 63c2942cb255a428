/** A log viewer: filter by level and text, copy what is shown. Shows the newest 1,000 matches. */
import { useMemo, useState } from 'react';
import type { LogEntry } from '../../core/wire/protocol.ts';
import { CopyButton, EmptyState } from './feedback.tsx';
import { formatClock } from './format.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const RANK: Record<LogEntry['level'], number> = { debug: 0, info: 1, warn: 2, error: 3 };
const MAX_SHOWN = 1000;

/** One log entry as a line of text (what the copy button copies). */
export function logLine(e: LogEntry): string {
  const line = `${e.ts} ${e.level.toUpperCase().padEnd(5)} [${e.source}] ${e.message}`;
  return e.details ? `${line}\n${e.details}` : line;
}

/** An entry's first line, and what follows it (a multi-line message or `details`) to fold away. */
export function splitEntry(e: LogEntry): { summary: string; more: string | null } {
  const [first = '', ...rest] = e.message.split('\n');
  const more = [rest.join('\n').trim(), e.details?.trim() ?? ''].filter(Boolean).join('\n');
  return { summary: first, more: more || null };
}

function Message(props: { entry: LogEntry }) {
  const { summary, more } = splitEntry(props.entry);
  if (!more) return <span>{summary}</span>;
  return (
    <span>
      {summary}
      <details className="log-details">
        <summary>details</summary>
        <pre className="mono">{more}</pre>
      </details>
    </span>
  );
}

/** Filterable, copyable log lines. */
export function LogView(props: { entries: LogEntry[]; emptyHint?: string }) {
  const [minLevel, setMinLevel] = useState<LogEntry['level']>('info');
  const [text, setText] = useState('');
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    const matches = props.entries.filter(
      (e) =>
        RANK[e.level] >= RANK[minLevel] &&
        (!needle || `${e.source} ${e.message}`.toLowerCase().includes(needle)),
    );
    return matches.slice(-MAX_SHOWN);
  }, [props.entries, minLevel, text]);

  return (
    <div className="logview">
      <div className="actions">
        <select
          className="input"
          style={{ width: 150 }}
          aria-label="Minimum level"
          value={minLevel}
          onChange={(e) => setMinLevel(e.target.value as LogEntry['level'])}
        >
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l} and above
            </option>
          ))}
        </select>
        <input
          className="input"
          style={{ width: 280 }}
          placeholder="Filter by text…"
          aria-label="Filter logs"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <span className="muted small num">
          {shown.length} of {props.entries.length} lines
        </span>
        <span style={{ flex: 1 }} />
        <CopyButton text={() => shown.map(logLine).join('\n')} label="Copy shown lines" />
      </div>
      {shown.length === 0 ? (
        <div className="card">
          <EmptyState
            title={props.entries.length ? 'No line matches the filter' : 'No log lines yet'}
            hint={
              props.entries.length
                ? 'Lower the level or clear the text filter.'
                : (props.emptyHint ?? 'Lines appear here as they are written.')
            }
          />
        </div>
      ) : (
        <div className="log-lines" data-testid="log-lines">
          {shown.map((e, i) => (
            <div className="log-line" key={`${e.ts}-${i}`}>
              <span className="log-ts">{formatClock(e.ts)}</span>
              <span className={`log-level ${e.level}`}>{e.level}</span>
              <span className="log-src" title={e.source}>
                {e.source}
              </span>
              <Message entry={e} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
