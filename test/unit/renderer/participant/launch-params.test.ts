/** The participant page's start-up address: `?view=…&invite=…&org=…` from the desktop app. */
import { describe, expect, it } from 'vitest';
import { parseLaunchParams } from '../../../../renderer/participant/launch-params.ts';

describe('parseLaunchParams', () => {
  it('reads what electron/main.ts puts in the address of a pre-provisioned app', () => {
    const query = new URLSearchParams({ view: 'join', invite: 'fedunify1.abc+/=', org: 'Org A & B' });
    expect(parseLaunchParams(`?${query.toString()}`)).toEqual({
      view: 'join',
      invite: 'fedunify1.abc+/=',
      org: 'Org A & B',
    });
  });

  it('takes a query string without its "?" and ignores parameters it does not know', () => {
    expect(parseLaunchParams('view=logs&token=secret')).toEqual({ view: 'logs', invite: null, org: null });
  });

  it('ignores a view that is not a screen and blank values', () => {
    expect(parseLaunchParams('?view=admin&invite=%20%20&org=')).toEqual({
      view: null,
      invite: null,
      org: null,
    });
    expect(parseLaunchParams('')).toEqual({ view: null, invite: null, org: null });
  });

  it('trims an invite pasted with spaces around it', () => {
    expect(parseLaunchParams('?invite=%20fedunify1.xyz%0A').invite).toBe('fedunify1.xyz');
  });
});
