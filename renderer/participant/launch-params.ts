/**
 * What the address of the participant page asks for at start: the desktop app opens it with
 * `?view=join&invite=…&org=…` for a pre-provisioned invite (electron/main.ts, showJoin), and a link
 * may carry `?invite=…`. Pure, so it is tested without a browser.
 */
import { SCREENS, type Screen } from './screens.ts';

export interface LaunchParams {
  /** The screen to open at; null when absent or not a screen. */
  view: Screen | null;
  /** The invite to pre-fill and inspect; null when absent or blank. */
  invite: string | null;
  /** The organization a per-organization installer was built for. */
  org: string | null;
}

/** Reads `view`, `invite` and `org` from a query string (`location.search`, with or without '?'). */
export function parseLaunchParams(search: string): LaunchParams {
  const params = new URLSearchParams(search);
  const text = (name: string): string | null => {
    const value = params.get(name)?.trim() ?? '';
    return value === '' ? null : value;
  };
  const view = text('view');
  return {
    view: SCREENS.find((s) => s === view) ?? null,
    invite: text('invite'),
    org: text('org'),
  };
}
