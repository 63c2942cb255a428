/**
 * Runtime checks of every IPC request before main acts on it: the sender must be one of the app's
 * own pages, and the arguments must match the bridge method's parameters.
 */
import type { z } from 'zod';
import { describeIssues } from '../core/wire/bridge-schemas.ts';
import { isTrustedSender } from './security.ts';

/** Checks one request; the error says what was refused and why. */
export function checkRequest<T>(
  channel: string,
  senderUrl: string | null | undefined,
  trustedFiles: readonly string[],
  schema: z.ZodType<T>,
  args: unknown[],
): { ok: true; args: T } | { ok: false; error: string } {
  if (!isTrustedSender(senderUrl, trustedFiles)) {
    return {
      ok: false,
      error: `Refused ${channel}: the request did not come from the app's own page (${senderUrl ?? 'no frame'}).`,
    };
  }
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    return { ok: false, error: `Refused ${channel}: bad arguments (${describeIssues(parsed.error)}).` };
  }
  return { ok: true, args: parsed.data };
}
