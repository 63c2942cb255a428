/**
 * The hub's internal change feed: the coordinator and the API publish what changed, the operator
 * namespace forwards it to consoles. Also the hub's logger, which stores, prints and publishes.
 */
import { EventEmitter } from 'node:events';
import type { LogEntry, OperatorServerEvents } from '../core/wire/protocol.ts';
import type { Store } from './db/store.ts';

type EventName = keyof OperatorServerEvents;

/** A typed publish/subscribe channel for the operator events. */
export class HubEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(1000);
  }

  /** Publishes one change. */
  emit<E extends EventName>(event: E, ...args: Parameters<OperatorServerEvents[E]>): void {
    this.emitter.emit(event, ...args);
  }

  /** Subscribes; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: OperatorServerEvents[E]): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}

export type LogLevel = LogEntry['level'];
const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Writes log entries to the store (per job), to the console (by level) and to the feed. */
export class HubLogger {
  constructor(
    private readonly store: Store,
    private readonly events: HubEvents,
    private readonly printLevel: LogLevel | 'silent',
  ) {}

  /** Logs one message; `jobId` files it under a job's logs; lines after the first go to details. */
  log(level: LogLevel, source: string, message: string, jobId?: string, details?: string): void {
    const [first, ...rest] = message.split('\n');
    const more = [rest.join('\n').trim(), details?.trim() ?? ''].filter((d) => d !== '').join('\n');
    const entry: LogEntry = {
      ts: new Date().toISOString(),
      level,
      source,
      message: first.trim() || '(no message)',
      ...(jobId ? { jobId } : {}),
      ...(more ? { details: more } : {}),
    };
    if (jobId && level !== 'debug') {
      try {
        this.store.log(entry);
      } catch {
        // The store may be closed during shutdown; the console line below still says it.
      }
    }
    if (this.printLevel !== 'silent' && LEVELS.indexOf(level) >= LEVELS.indexOf(this.printLevel)) {
      // One line per entry; the details (stack traces) only when asked for with --log-level debug.
      const extra =
        entry.details && this.printLevel === 'debug' ? `\n  ${entry.details.replace(/\n/g, '\n  ')}` : '';
      const line = `${entry.ts} ${level.toUpperCase()} [${source}]${jobId ? ` ${jobId}` : ''} ${entry.message}${extra}`;
      if (level === 'error' || level === 'warn') console.error(line);
      else console.log(line);
    }
    if (level !== 'debug') this.events.emit('log:entry', entry);
  }

  /** Shorthand for info. */
  info(source: string, message: string, jobId?: string): void {
    this.log('info', source, message, jobId);
  }

  /** Shorthand for warn. */
  warn(source: string, message: string, jobId?: string): void {
    this.log('warn', source, message, jobId);
  }

  /** Shorthand for error. */
  error(source: string, message: string, jobId?: string): void {
    this.log('error', source, message, jobId);
  }

  /** Logs an error as "what: its message" on one line, with the stack trace as details. */
  failure(source: string, what: string, err: unknown, jobId?: string): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const firstLine = e.message.split('\n')[0] || e.name;
    this.log('error', source, `${what}: ${firstLine}`, jobId, e.stack ?? e.message);
  }
}
