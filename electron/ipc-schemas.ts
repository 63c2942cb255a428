/**
 * Runtime checks of every IPC request before main acts on it: the sender must be one of the app's
 * own pages, and the arguments must match the bridge method's parameters.
 */
import { z } from 'zod';
import type { HostArgs, HostMethod, ParticipantArgs, ParticipantMethod } from './ipc-contract.ts';
import { dataSourceSchema, describeIssues, hubStartOptionsSchema } from './schemas.ts';
import { isTrustedSender } from './security.ts';

const inviteText = z.string().min(1).max(4096);

export const PARTICIPANT_ARG_SCHEMAS: { [M in ParticipantMethod]: z.ZodType<ParticipantArgs<M>> } = {
  getState: z.tuple([]),
  inspectInvite: z.tuple([inviteText]),
  loadData: z.tuple([dataSourceSchema]),
  join: z.tuple([inviteText]),
  leave: z.tuple([]),
  setApproveUploads: z.tuple([z.boolean()]),
  decideUpload: z.tuple([z.number().int().nonnegative(), z.boolean()]),
  pickPath: z.tuple([z.enum(['file', 'folder'])]),
};

export const HOST_ARG_SCHEMAS: { [M in HostMethod]: z.ZodType<HostArgs<M>> } = {
  startHub: z.tuple([hubStartOptionsSchema]),
  stopHub: z.tuple([]),
  status: z.tuple([]),
};

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
