/**
 * Runtime schemas of every bridge method's arguments, shared by both transports (Electron IPC in
 * electron/ipc.ts, the `join --ui` socket in cli/ui-server.ts): the bridge types are TypeScript
 * only, and a page is not trusted to send what its types say.
 */
import { z } from 'zod';
import type { DataSource, HostBridge, HubStartOptions, ParticipantBridge } from './bridge.ts';
import type { HostMethod, ParticipantMethod } from './bridge-methods.ts';

const pathString = z.string().min(1).max(4096);

/** An invite as pasted (the codec in invite.ts checks its content). */
export const inviteTextSchema = z.string().trim().min(1, 'paste an invite').max(8192);

export const dataSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fashion-mnist'),
    path: pathString.optional(),
    owner: z
      .object({
        env: z.enum(['V', 'H', 'iid', 'dirichlet']),
        index: z.number().int().nonnegative(),
        seed: z.number().int(),
        owners: z.number().int().positive().optional(),
        alpha: z.number().positive().optional(),
      })
      .optional(),
    limit: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('idx'),
    imagesPath: pathString,
    labelsPath: pathString,
    testImagesPath: pathString.optional(),
    testLabelsPath: pathString.optional(),
  }),
  z.object({ kind: z.literal('folder'), path: pathString }),
  z.object({ kind: z.literal('csv'), path: pathString }),
]);

export const hubStartOptionsSchema = z
  .object({
    dataDir: pathString.optional(),
    port: z.number().int().min(0).max(65535).optional(),
    host: z.enum(['0.0.0.0', '127.0.0.1', '::', '::1']).optional(),
  })
  .strict();

type Args<B, M extends keyof B> = B[M] extends (...args: infer A) => unknown ? A : never;

/** The argument tuple of each participant request. */
export const PARTICIPANT_ARG_SCHEMAS: {
  [M in ParticipantMethod]: z.ZodType<Args<ParticipantBridge, M>>;
} = {
  getState: z.tuple([]),
  inspectInvite: z.tuple([inviteTextSchema]),
  loadData: z.tuple([dataSourceSchema]),
  join: z.tuple([inviteTextSchema]),
  leave: z.tuple([]),
  setApproveUploads: z.tuple([z.boolean()]),
  decideUpload: z.tuple([z.number().int().nonnegative(), z.boolean()]),
  pickPath: z.tuple([z.enum(['file', 'folder'])]),
};

/** The argument tuple of each host-mode request. */
export const HOST_ARG_SCHEMAS: { [M in HostMethod]: z.ZodType<Args<HostBridge, M>> } = {
  startHub: z.tuple([hubStartOptionsSchema]),
  stopHub: z.tuple([]),
  status: z.tuple([]),
};

/** Formats zod issues as one readable line: "path: message; path: message". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`).join('; ');
}

/** Checks the arguments of one participant request; the error names the method and what was wrong. */
export function parseParticipantArgs<M extends ParticipantMethod>(
  method: M,
  args: unknown,
): { ok: true; args: Args<ParticipantBridge, M> } | { ok: false; error: string } {
  const schema: z.ZodType<Args<ParticipantBridge, M>> | undefined = Object.hasOwn(
    PARTICIPANT_ARG_SCHEMAS,
    method,
  )
    ? PARTICIPANT_ARG_SCHEMAS[method]
    : undefined;
  if (!schema) return { ok: false, error: `unknown bridge method "${String(method).slice(0, 64)}"` };
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    return { ok: false, error: `bad arguments for ${method}: ${describeIssues(parsed.error)}` };
  }
  return { ok: true, args: parsed.data };
}

// Compile-time proof that the schemas produce the bridge's own types.
const _dataSourceMatches: (value: z.infer<typeof dataSourceSchema>) => DataSource = (value) => value;
const _hubOptionsMatch: (value: z.infer<typeof hubStartOptionsSchema>) => HubStartOptions = (value) => value;
void _dataSourceMatches;
void _hubOptionsMatch;
