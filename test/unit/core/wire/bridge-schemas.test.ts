/** The bridge contract both transports share: one method list, one argument schema per method. */
import { describe, expect, it } from 'vitest';
import {
  BRIDGE_METHODS,
  ENGINE_METHODS,
  HOST_METHODS,
  PARTICIPANT_METHODS,
} from '../../../../core/wire/bridge-methods.ts';
import {
  HOST_ARG_SCHEMAS,
  PARTICIPANT_ARG_SCHEMAS,
  parseParticipantArgs,
} from '../../../../core/wire/bridge-schemas.ts';

describe('the shared bridge contract', () => {
  it('has an argument schema for every request and nothing else', () => {
    expect(Object.keys(PARTICIPANT_ARG_SCHEMAS).sort()).toEqual([...PARTICIPANT_METHODS].sort());
    expect(Object.keys(HOST_ARG_SCHEMAS).sort()).toEqual([...HOST_METHODS].sort());
    expect(BRIDGE_METHODS).toEqual([...ENGINE_METHODS, 'pickPath', 'subscribe']);
  });

  it('accepts good arguments and returns them parsed', () => {
    expect(parseParticipantArgs('decideUpload', [3, true])).toEqual({ ok: true, args: [3, true] });
    expect(parseParticipantArgs('join', ['  fedunify1.abc  '])).toEqual({
      ok: true,
      args: ['fedunify1.abc'],
    });
    expect(parseParticipantArgs('loadData', [{ kind: 'csv', path: '/d.csv' }]).ok).toBe(true);
  });

  it.each([
    ['decideUpload', [-1, true], /bad arguments for decideUpload: 0: .*>=0/i],
    ['setApproveUploads', ['yes'], /bad arguments for setApproveUploads: 0: .*boolean/i],
    ['loadData', [{ kind: 'ftp', path: '/x' }], /bad arguments for loadData: 0\.kind/],
    ['join', [''], /bad arguments for join: 0: paste an invite/],
    ['leave', ['now'], /bad arguments for leave/],
  ] as const)('refuses %s(%j) with a message naming the method and the problem', (method, args, message) => {
    const result = parseParticipantArgs(method, args);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('refuses a method that is not part of the bridge', () => {
    const result = parseParticipantArgs('constructor' as 'leave', []);
    expect(result).toEqual({ ok: false, error: 'unknown bridge method "constructor"' });
  });
});
