/**
 * The participant's side of what the hub pushes: each push is checked against its schema
 * (core/wire/hub-messages.ts) before the engine sees it, and a handler that fails is logged, never
 * left to crash the process. A hub that is out of date, not a FedUnify hub, or hostile gets its
 * malformed pushes ignored with a line in the log; the participant keeps its state.
 */
import { z } from 'zod';
import { paramCount } from '../model/manifest.ts';
import { describeIssues } from '../wire/bridge-schemas.ts';
import {
  hubErrorSchema,
  jobAssignmentSchema,
  jobEndSchema,
  jobRosterSchema,
  roundStartSchema,
  roundUnifiedSchema,
} from '../wire/hub-messages.ts';
import type { FederationServerEvents, JobAssignment } from '../wire/protocol.ts';
import {
  secAggInboxSchema,
  secAggNeighboursSchema,
  secAggRevealRequestSchema,
  secAggSurvivorsSchema,
} from '../wire/secagg-protocol.ts';
import { errorText } from './error-text.ts';
import type { FederationConnection } from './types.ts';

/** Participants refuse models above this many parameters unless told otherwise (the hub's default limit too). */
export const DEFAULT_MAX_MODEL_PARAMS = 50_000_000;

/** Wraps a push handler: schema first, then the handler; problems go to `log`, never up the socket. */
export function checkedPush<T>(
  log: (message: string) => void,
  event: string,
  schema: z.ZodType<T, unknown>,
  handle: (msg: T) => unknown,
): (raw: unknown) => void {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      log(
        `Ignored a malformed ${event} from the hub (${describeIssues(parsed.error).slice(0, 300)}). If this repeats, tell the hub operator: the hub may run another FedUnify version.`,
      );
      return;
    }
    try {
      void Promise.resolve(handle(parsed.data)).catch((err: unknown) =>
        log(`Handling ${event} from the hub failed: ${errorText(err)}`),
      );
    } catch (err) {
      log(`Handling ${event} from the hub failed: ${errorText(err)}`);
    }
  };
}

/** Why this participant will not train an assigned job's model (too big, or not buildable), or null. */
export function modelRefusal(job: JobAssignment, maxParams: number): string | null {
  let params: number;
  try {
    params = paramCount(job.model);
  } catch (err) {
    return `The hub assigned job "${job.name}" with a model that cannot be built (${errorText(err)}). Ask the hub operator to check the job's model.`;
  }
  if (!Number.isFinite(params) || params > maxParams) {
    return `The hub assigned job "${job.name}" with a model of ${params.toLocaleString('en-US')} parameters (${Math.round((params * 4) / 2 ** 20).toLocaleString('en-US')} MiB per update), over this participant's limit of ${maxParams.toLocaleString('en-US')}. Ask the hub operator for a smaller model, or raise the limit (--max-model-params) if you expect this one.`;
  }
  return null;
}

/** What the engine does with each push once it passed its check (may return a promise). */
export type PushHandlers = {
  [E in keyof FederationServerEvents]: (msg: Parameters<FederationServerEvents[E]>[0]) => unknown;
};

const SCHEMAS: {
  [E in keyof FederationServerEvents]: z.ZodType<Parameters<FederationServerEvents[E]>[0], unknown>;
} = {
  'job:assign': jobAssignmentSchema,
  'round:start': roundStartSchema,
  'round:unified': roundUnifiedSchema,
  'job:end': jobEndSchema,
  'job:roster': jobRosterSchema,
  'hub:error': hubErrorSchema,
  'secagg:neighbours': secAggNeighboursSchema,
  'secagg:inbox': secAggInboxSchema,
  'secagg:survivors': secAggSurvivorsSchema,
  'secagg:reveal': secAggRevealRequestSchema,
};

/** Malformed pushes logged one by one before they are only counted (a hub may flood them). */
export const MALFORMED_LOGGED = 20;
/** How often the count of further malformed pushes is logged. */
export const MALFORMED_SUMMARY_MS = 60_000;

/** Lets the first MALFORMED_LOGGED problems through, then one count per MALFORMED_SUMMARY_MS. */
export function limitedLog(log: (message: string) => void, now: () => number = Date.now) {
  let logged = 0;
  let unlogged = 0;
  let lastSummary = 0;
  return (message: string): void => {
    if (logged < MALFORMED_LOGGED) {
      logged++;
      log(message);
      return;
    }
    unlogged++;
    if (now() - lastSummary >= MALFORMED_SUMMARY_MS) {
      lastSummary = now();
      log(
        `Ignored ${unlogged.toLocaleString('en-US')} more malformed or failed pushes from the hub without logging each (after the first ${MALFORMED_LOGGED}); the last: ${message.slice(0, 200)}`,
      );
      unlogged = 0;
    }
  };
}

/** Registers every push handler on `conn`, each behind its schema check; problems are logged, limited. */
export function wireHubPushes(
  conn: FederationConnection,
  logProblem: (message: string) => void,
  handlers: PushHandlers,
): void {
  const log = limitedLog(logProblem);
  for (const event of Object.keys(SCHEMAS) as (keyof FederationServerEvents)[]) {
    const handle = handlers[event] as (msg: unknown) => unknown;
    conn.on(
      event,
      checkedPush(log, event, SCHEMAS[event] as z.ZodType<unknown, unknown>, (m) => handle(m)),
    );
  }
}
