import { describe, expect, it } from 'vitest';
import { Store } from '../../../hub/db/store.ts';
import { HubEvents, HubLogger } from '../../../hub/hub-events.ts';
import type { LogEntry } from '../../../core/wire/protocol.ts';
import { disconnectReasonInWords } from '../../../hub/disconnect-reason.ts';

function logger(): { log: HubLogger; store: Store; seen: LogEntry[] } {
  const store = new Store(':memory:');
  store.db
    .prepare(
      `INSERT INTO jobs (id, spec, status, created_at, updated_at) VALUES ('j', '{}', 'waiting', '', '')`,
    )
    .run();
  const events = new HubEvents();
  const seen: LogEntry[] = [];
  events.on('log:entry', (e) => seen.push(e));
  return { log: new HubLogger(store, events, 'silent'), store, seen };
}

describe('HubLogger', () => {
  it('logs a failure as one line "what: message" with the stack trace in details, stored and published', () => {
    const { log, store, seen } = logger();
    log.failure('operator', 'GET /api/x failed', new Error('boom\nsecond line'), 'j');
    const [entry] = store.logs('j');
    expect(entry.message).toBe('GET /api/x failed: boom');
    expect(entry.details).toMatch(/Error: boom[\s\S]*at /);
    expect(seen[0]).toEqual(entry);
  });

  it('moves any further lines of a message into details', () => {
    const { log, store } = logger();
    log.error('rounds', 'first line\n    at somewhere (file.ts:1:1)', 'j');
    expect(store.logs('j')[0]).toMatchObject({
      message: 'first line',
      details: 'at somewhere (file.ts:1:1)',
    });
  });

  it('leaves details out of a one-line entry', () => {
    const { log, store } = logger();
    log.info('jobs', 'created', 'j');
    expect(store.logs('j')[0]).not.toHaveProperty('details');
  });
});

describe('disconnectReasonInWords', () => {
  it("says socket.io's reasons in words and quotes unknown ones", () => {
    expect(disconnectReasonInWords('ping timeout')).toMatch(/heartbeat/);
    expect(disconnectReasonInWords('client namespace disconnect')).toBe('the participant left');
    expect(disconnectReasonInWords('odd')).toBe('socket.io reason "odd"');
  });
});
