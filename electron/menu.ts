/** The application menu as data, so what appears in development and in a release can be tested. */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  joinWithInvite(): void;
  hostFederation(): void;
  about(): void;
  openLogsFolder(): void;
}

/** Builds the menu template; reload and devtools exist only in development builds. */
export function buildMenuTemplate(opts: {
  isDev: boolean;
  isMac: boolean;
  actions: MenuActions;
}): MenuItemConstructorOptions[] {
  const { isDev, isMac, actions } = opts;
  const devItems: MenuItemConstructorOptions[] = isDev
    ? [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }]
    : [];
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Join with invite…', accelerator: 'CmdOrCtrl+J', click: () => actions.joinWithInvite() },
        {
          label: 'Host a federation…',
          accelerator: 'CmdOrCtrl+Shift+H',
          click: () => actions.hostFederation(),
        },
        { type: 'separator' },
        { role: 'quit', label: 'Quit' },
      ],
    },
    // Edit roles make copy and paste (of invites, fingerprints) work, on macOS in particular.
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...devItems,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'About FedUnify', click: () => actions.about() },
        { label: 'Open logs folder', click: () => actions.openLogsFolder() },
      ],
    },
  ];
  return isMac ? [{ role: 'appMenu' }, ...template] : template;
}
