import { describe, expect, it } from 'vitest';
import { hashToView, viewToHash, type View } from '../../../../renderer/console/routes.ts';

describe('console routes', () => {
  it('gives every view an address that leads back to it', () => {
    const views: View[] = [
      { page: 'jobs' },
      { page: 'create', mode: 'wizard' },
      { page: 'create', mode: 'yaml' },
      { page: 'job', jobId: 'a b/c', tab: 'rounds' },
      { page: 'invites' },
      { page: 'invites', jobId: 'job-1' },
      { page: 'logs' },
    ];
    for (const v of views) expect(hashToView(viewToHash(v))).toEqual(v);
  });

  it('lands on the job list for unknown or broken addresses, and on Participants for an unknown tab', () => {
    expect(hashToView('')).toEqual({ page: 'jobs' });
    expect(hashToView('#/nope')).toEqual({ page: 'jobs' });
    expect(hashToView('#/jobs/%E0%A4%A')).toEqual({ page: 'jobs' });
    expect(hashToView('#/jobs/x/weird')).toEqual({ page: 'job', jobId: 'x', tab: 'participants' });
  });
});
