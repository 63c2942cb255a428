import { describe, expect, it } from 'vitest';
import { jobSpecSchema } from '../../../../core/wire/job-spec.ts';
import { plainSpecMessage } from '../../../../renderer/console/pages/spec-messages.ts';

/** The plain message for the first schema problem of `spec`. */
function plain(spec: Record<string, unknown>): string {
  const res = jobSpecSchema.safeParse({ name: 'x', rounds: 2, ...spec });
  if (res.success) throw new Error('expected a problem');
  const issue = res.error.issues[0];
  return plainSpecMessage(issue.path.join('.'), issue.message);
}

describe('plain job-spec messages', () => {
  it('says what a field must be, by its name', () => {
    expect(plain({ rounds: 'zero' })).toBe('Rounds must be a number.');
    expect(plain({ rounds: 0 })).toBe('Rounds must be at least 1.');
    expect(plain({ batchSize: 2.5 })).toBe('Batch size must be a whole number.');
    expect(plain({ batchSize: 5000 })).toBe('Batch size must be at most 4096.');
    expect(plain({ optimizer: 'rmsprop' })).toBe('The optimizer must be one of adam, sgd.');
    expect(plain({ roundz: 3 })).toMatch(/^Unknown field .*roundz.*: check its spelling/);
  });

  it('keeps the path of a message it does not know', () => {
    expect(plainSpecMessage('model.layers.0', 'something odd')).toBe('model.layers.0: something odd');
  });
});
