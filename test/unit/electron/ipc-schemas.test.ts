import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HOST_ARG_SCHEMAS, PARTICIPANT_ARG_SCHEMAS } from '../../../core/wire/bridge-schemas.ts';
import { checkRequest } from '../../../electron/ipc-schemas.ts';
import { buildMenuTemplate } from '../../../electron/menu.ts';

const page = path.resolve('dist/renderer/participant/index.html');
const pageUrl = pathToFileURL(page).href;

describe('checkRequest', () => {
  it('passes a request from the app page with good arguments', () => {
    const result = checkRequest(
      'participant:decide-upload',
      pageUrl,
      [page],
      PARTICIPANT_ARG_SCHEMAS.decideUpload,
      [4, true],
    );
    expect(result).toEqual({ ok: true, args: [4, true] });
  });

  it('refuses a request from another page, naming it', () => {
    const result = checkRequest(
      'participant:join',
      'https://evil.example/',
      [page],
      PARTICIPANT_ARG_SCHEMAS.join,
      ['x'],
    );
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/did not come from the app's own page \(https:\/\/evil/),
    });
  });

  it('refuses a request whose frame is gone', () => {
    const result = checkRequest('participant:get-state', null, [page], PARTICIPANT_ARG_SCHEMAS.getState, []);
    expect(result.ok).toBe(false);
  });

  it.each([
    ['a data source of an unknown kind', PARTICIPANT_ARG_SCHEMAS.loadData, [{ kind: 'ftp', path: '/x' }]],
    ['a negative round', PARTICIPANT_ARG_SCHEMAS.decideUpload, [-1, true]],
    ['an extra argument', PARTICIPANT_ARG_SCHEMAS.leave, ['now']],
    ['a path kind that is not file or folder', PARTICIPANT_ARG_SCHEMAS.pickPath, ['device']],
    ['a hub host outside the allowed interfaces', HOST_ARG_SCHEMAS.startHub, [{ host: 'example.org' }]],
    ['a hub port out of range', HOST_ARG_SCHEMAS.startHub, [{ port: 70000 }]],
  ])('refuses %s', (_what, schema, args) => {
    const result = checkRequest(
      'channel',
      pageUrl,
      [page],
      schema as typeof PARTICIPANT_ARG_SCHEMAS.leave,
      args,
    );
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/bad arguments/) });
  });
});

describe('application menu', () => {
  const actions = { joinWithInvite() {}, hostFederation() {}, about() {}, openLogsFolder() {} };
  const roles = (isDev: boolean) =>
    JSON.stringify(buildMenuTemplate({ isDev, isMac: false, actions }), (_k, v: unknown) =>
      typeof v === 'function' ? 'fn' : v,
    );

  it('offers reload and devtools in development only', () => {
    expect(roles(true)).toContain('toggleDevTools');
    expect(roles(true)).toContain('"reload"');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).not.toContain('"reload"');
  });

  it('has Join, Host, Quit, About and Open logs folder', () => {
    const labels = roles(false);
    for (const label of [
      'Join with invite…',
      'Host a federation…',
      'Quit',
      'About FedUnify',
      'Open logs folder',
    ]) {
      expect(labels).toContain(label);
    }
  });

  it('runs the action of a clicked item', () => {
    let joined = 0;
    const template = buildMenuTemplate({
      isDev: false,
      isMac: true,
      actions: { ...actions, joinWithInvite: () => joined++ },
    });
    const file = template.find((item) => item.label === 'File');
    file?.submenu
      ?.find((item) => item.label === 'Join with invite…')
      ?.click?.({ label: '' }, undefined, null);
    expect(joined).toBe(1);
    expect(template[0].role).toBe('appMenu');
  });
});
