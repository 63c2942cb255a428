import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  hashToken,
  OperatorSessions,
  verifyPassword,
  ensureOperator,
} from '../../../hub/operator/operator-auth.ts';
import { Store } from '../../../hub/db/store.ts';

describe('operator auth', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('wrong horse', hash)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });

  it('creates the first operator once and issues tokens only for good credentials', async () => {
    const store = new Store(':memory:');
    const first = await ensureOperator(store);
    expect(first.password).toBeTruthy();
    expect((await ensureOperator(store)).password).toBeUndefined();
    const sessions = new OperatorSessions(store);
    expect(await sessions.login('admin', 'nope')).toBeNull();
    expect(await sessions.login('ghost', first.password as string)).toBeNull();
    const token = await sessions.login('admin', first.password as string);
    expect(sessions.check(token ?? undefined)).toBe('admin');
    expect(sessions.check('forged')).toBeNull();
    store.close();
  });

  it('hashes tokens deterministically without keeping them', () => {
    expect(hashToken('abc')).toBe(hashToken('abc'));
    expect(hashToken('abc')).not.toBe(hashToken('abd'));
    expect(hashToken('abc')).toMatch(/^[0-9a-f]{64}$/);
  });
});
