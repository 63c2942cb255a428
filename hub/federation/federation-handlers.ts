/**
 * The /federation namespace: participants authenticate with an invite token at the handshake,
 * get a job, and talk in acknowledged events. Every message is validated on arrival, every socket
 * is rate-limited, unknown events are logged and ignored, and no handler can throw into the hub.
 */
import type { Namespace } from 'socket.io';
import type { z } from 'zod';
import {
  PROTOCOL_VERSION,
  participantAuthSchema,
  participantStatusSchema,
  readySchema,
  roundEvalSchema,
  roundUpdateSchema,
  type Ack,
  type ErrorCode,
  type FederationClientEvents,
  type FederationServerEvents,
  type InviteRecord,
} from '../../core/wire/protocol.ts';
import {
  secAggConsistencySchema,
  secAggKeysSchema,
  secAggMaskedSchema,
  secAggSharesSchema,
  secAggUnmaskSchema,
} from '../../core/wire/secagg-protocol.ts';
import type { Store } from '../db/store.ts';
import type { HubLogger } from '../hub-events.ts';
import type { JobManager } from '../rounds/job-manager.ts';
import { hashToken } from '../operator/operator-auth.ts';
import { TokenBucket } from '../rate-limit.ts';
import { disconnectReasonInWords } from '../disconnect-reason.ts';
import type { FederationSocket } from '../rounds/round-coordinator.ts';

/** What the federation handlers need. */
export interface FederationDeps {
  store: Store;
  log: HubLogger;
  jobs: JobManager;
  /** Events per socket: burst and sustained rate. */
  rate?: { burst: number; perSec: number };
}

/** Per-socket data set at the handshake. */
interface SocketData {
  invite: InviteRecord;
  instanceId: string;
  jobId: string | null;
  participantId: string | null;
}

const KNOWN_EVENTS = new Set([
  'participant:ready',
  'round:update',
  'round:eval',
  'participant:status',
  'secagg:keys',
  'secagg:shares',
  'secagg:masked',
  'secagg:consistency',
  'secagg:unmask',
]);

function refusal(message: string, code: ErrorCode): Error {
  return Object.assign(new Error(message), { data: { code } });
}

/** Auth middleware: protocol version, then a known, unrevoked invite token. */
function authenticate(store: Store, socket: FederationSocket): Error | null {
  const auth: unknown = socket.handshake.auth;
  const version = (auth as { protocolVersion?: unknown } | null)?.protocolVersion;
  if (typeof version === 'number' && version !== PROTOCOL_VERSION) {
    return refusal(
      `protocol version ${version} is not supported: this hub speaks version ${PROTOCOL_VERSION}; install the FedUnify version the hub runs`,
      'version-mismatch',
    );
  }
  const parsed = participantAuthSchema.safeParse(auth);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.join('.') || 'auth'}: ${i.message}`).join('; ');
    return refusal(`invalid handshake (${what}): connect with the token from your invite`, 'unauthorized');
  }
  const invite = store.inviteByTokenHash(hashToken(parsed.data.token));
  if (!invite)
    return refusal(
      'unauthorized: this invite token is not known to the hub; ask the operator for a new invite',
      'unauthorized',
    );
  if (invite.revoked)
    return refusal(
      'unauthorized: this invite was revoked by the hub operator; ask for a new one',
      'unauthorized',
    );
  const data: SocketData = { invite, instanceId: parsed.data.instanceId, jobId: null, participantId: null };
  socket.data = data;
  return null;
}

/** Registers the participant protocol on the /federation namespace. */
export function registerFederationHandlers(
  nsp: Namespace<FederationClientEvents, FederationServerEvents>,
  deps: FederationDeps,
): void {
  const { store, log, jobs } = deps;
  const rate = deps.rate ?? { burst: 40, perSec: 10 };

  nsp.use((socket, next) => {
    try {
      next(authenticate(store, socket) ?? undefined);
    } catch (err) {
      log.error('federation', `handshake failed: ${(err as Error).message}`);
      next(refusal('the hub could not check this handshake; try again', 'internal'));
    }
  });

  nsp.on('connection', (socket) => {
    const data = socket.data as SocketData;
    const bucket = new TokenBucket(rate.burst, rate.perSec);
    let flooded = false;
    socket.use((packet, next) => {
      if (bucket.take()) return next();
      if (!flooded) {
        flooded = true;
        log.warn(
          'federation',
          `${data.invite.name} sent events too fast; disconnecting it`,
          data.jobId ?? undefined,
        );
        const ack = packet[packet.length - 1];
        if (typeof ack === 'function')
          ack({ ok: false, code: 'rate-limited', error: 'Too many messages: slow down.' });
        socket.emit('hub:error', {
          code: 'rate-limited',
          message: 'Too many messages in a short time; the hub disconnected you. Reconnect later.',
        });
        setImmediate(() => socket.disconnect(true));
      }
    });
    socket.onAny((event: unknown) => {
      if (typeof event !== 'string' || !KNOWN_EVENTS.has(event)) {
        log.warn(
          'federation',
          `ignored unknown event "${String(event).slice(0, 64)}" from ${data.invite.name}`,
          data.jobId ?? undefined,
        );
      }
    });

    const handle = <S extends z.ZodType, R extends object>(
      event: string,
      schema: S,
      fn: (jobId: string, participantId: string, msg: z.output<S>) => Ack<R> | Promise<Ack<R>>,
    ): void => {
      socket.on(event as keyof FederationClientEvents, (...args: unknown[]) => {
        const last = args[args.length - 1];
        const reply = typeof last === 'function' ? (last as (res: Ack<R>) => void) : () => undefined;
        void (async () => {
          try {
            const parsed = schema.safeParse(args[0]);
            if (!parsed.success) {
              const what = parsed.error.issues
                .map((i) => `${i.path.join('.') || 'message'}: ${i.message}`)
                .join('; ');
              reply({ ok: false, code: 'bad-request', error: `Invalid ${event} message: ${what}.` });
              return;
            }
            if (!data.jobId || !data.participantId) {
              reply({
                ok: false,
                code: 'not-found',
                error: 'No job is assigned to this connection yet; wait for job:assign.',
              });
              return;
            }
            const jobId = (parsed.data as { jobId?: unknown }).jobId;
            if (typeof jobId === 'string' && jobId !== data.jobId) {
              reply({
                ok: false,
                code: 'bad-request',
                error: `This connection belongs to job ${data.jobId}, not ${jobId}.`,
              });
              return;
            }
            reply(await fn(data.jobId, data.participantId, parsed.data));
          } catch (err) {
            log.failure(
              'federation',
              `${event} from ${data.invite.name} failed`,
              err,
              data.jobId ?? undefined,
            );
            reply({
              ok: false,
              code: 'internal',
              error: 'The hub failed to handle this message; it has been logged.',
            });
          }
        })();
      });
    };

    const runnerOf = (jobId: string) => {
      const runner = jobs.runner(jobId);
      if (!runner) throw new Error(`job ${jobId} is not active`);
      return runner;
    };

    handle('participant:ready', readySchema, (jobId, pid, msg) => runnerOf(jobId).ready(pid, msg));
    handle('round:update', roundUpdateSchema, (jobId, pid, msg) => {
      const runner = jobs.runner(jobId);
      if (!runner)
        return {
          ok: false,
          code: 'wrong-round',
          error: 'This job has ended; the hub takes no more updates.',
        };
      return runner.update(pid, msg);
    });
    handle('round:eval', roundEvalSchema, (jobId, pid, msg) => {
      store.audit(jobId, pid, 'eval', { round: msg.round, accuracy: msg.accuracy, samples: msg.samples });
      return jobs.runner(jobId)?.evalReport(pid, msg) ?? { ok: true };
    });
    const ended: Ack = { ok: false, code: 'wrong-round', error: 'This job has ended.' };
    handle(
      'secagg:keys',
      secAggKeysSchema,
      (jobId, pid, msg) => jobs.runner(jobId)?.secAgg(msg.round, (s) => s.keys(pid, msg)) ?? ended,
    );
    handle(
      'secagg:shares',
      secAggSharesSchema,
      (jobId, pid, msg) => jobs.runner(jobId)?.secAgg(msg.round, (s) => s.shares(pid, msg)) ?? ended,
    );
    handle(
      'secagg:masked',
      secAggMaskedSchema,
      (jobId, pid, msg) => jobs.runner(jobId)?.secAggMasked(pid, msg) ?? ended,
    );
    handle(
      'secagg:consistency',
      secAggConsistencySchema,
      (jobId, pid, msg) => jobs.runner(jobId)?.secAgg(msg.round, (s) => s.consistency(pid, msg)) ?? ended,
    );
    handle(
      'secagg:unmask',
      secAggUnmaskSchema,
      (jobId, pid, msg) => jobs.runner(jobId)?.secAgg(msg.round, (s) => s.unmask(pid, msg)) ?? ended,
    );
    handle('participant:status', participantStatusSchema, (jobId, pid, msg) => {
      store.updateParticipant(pid, {
        state: msg.state,
        ...(msg.round !== undefined ? { round: msg.round } : {}),
        ...(msg.samplesPerSec !== undefined ? { samplesPerSec: msg.samplesPerSec } : {}),
      });
      jobs.runner(jobId)?.publishParticipant(pid);
      return { ok: true };
    });

    socket.on('disconnect', (reason) => {
      try {
        jobs.disconnected(socket.id, data.jobId, data.participantId, disconnectReasonInWords(reason));
      } catch (err) {
        log.failure(
          'federation',
          `cleanup after disconnect (${reason}) failed`,
          err,
          data.jobId ?? undefined,
        );
      }
    });

    try {
      jobs.assign(socket, data.invite, data.instanceId);
    } catch (err) {
      log.error('federation', `could not assign a job to ${data.invite.name}: ${(err as Error).message}`);
      socket.emit('hub:error', {
        code: 'internal',
        message: 'The hub could not assign a job; try again later.',
      });
      socket.disconnect(true);
    }
  });
}

/** Disconnects every participant socket that joined with an invite (after it was revoked). */
export function disconnectInvite(nsp: Namespace, inviteId: string): number {
  let n = 0;
  for (const socket of nsp.sockets.values()) {
    if ((socket.data as Partial<SocketData>).invite?.id === inviteId) {
      socket.emit('hub:error', {
        code: 'unauthorized',
        message: 'Your invite was revoked by the hub operator.',
      });
      socket.disconnect(true);
      n++;
    }
  }
  return n;
}
