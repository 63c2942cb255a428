/**
 * The /federation namespace: participants authenticate with an invite token at the handshake,
 * get a job, and talk in acknowledged events. Every message is validated on arrival, every socket
 * is rate-limited, unknown events are logged and ignored, and no handler can throw into the hub.
 */
import type { Namespace } from 'socket.io';
import type { z } from 'zod';
import {
  participantStatusSchema,
  readySchema,
  roundEvalSchema,
  roundUpdateSchema,
  type Ack,
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
import { TokenBucket } from '../rate-limit.ts';
import { AddressFailures } from './address-failures.ts';
import { ChallengeBook, handshake, refusal, type HandshakeContext } from './handshake.ts';
import { admitUpdate, type AdmittedUpdate } from './update-admission.ts';
import { formatFingerprint } from '../../core/crypto/identity.ts';
import { disconnectReasonInWords } from '../disconnect-reason.ts';

/** What the federation handlers need. */
export interface FederationDeps {
  store: Store;
  log: HubLogger;
  jobs: JobManager;
  /** Events per socket and per invite: burst and sustained rate. */
  rate?: { burst: number; perSec: number };
  /** The hub's certificate fingerprint ('' without TLS), bound into every key proof. */
  hubFingerprint?: string;
  /** Lifts the pre-authentication byte budget of a raw connection (pre-auth-limit.ts). */
  trust?: (conn: unknown) => void;
}

/** Per-socket data set at the handshake. */
interface SocketData {
  invite: InviteRecord;
  instanceId: string;
  publicKey: Uint8Array;
  fingerprint: string;
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

/** Registers the participant protocol on the /federation namespace. */
export function registerFederationHandlers(
  nsp: Namespace<FederationClientEvents, FederationServerEvents>,
  deps: FederationDeps,
): void {
  const { store, log, jobs } = deps;
  const rate = deps.rate ?? { burst: 40, perSec: 10 };
  const ctx: HandshakeContext = {
    store,
    book: new ChallengeBook(),
    hubFingerprint: deps.hubFingerprint ?? '',
    attempts: new Map(),
    failures: new AddressFailures(),
  };
  // One budget per invite across all its sockets, so reconnecting does not refill it.
  const inviteBuckets = new Map<string, TokenBucket>();

  nsp.use((socket, next) => {
    try {
      const address = socket.handshake.address;
      const result = handshake(ctx, socket.handshake.auth, address);
      if (result instanceof Error) {
        const data = (result as Error & { data?: { code?: string; quiet?: boolean } }).data;
        if (data?.code !== 'auth-challenge' && !data?.quiet) {
          log.warn(
            'federation',
            `handshake from ${address} refused (${data?.code ?? 'error'}): ${result.message}`,
          );
        }
        return next(result);
      }
      const data: SocketData = {
        invite: result.invite,
        instanceId: result.invite.id,
        publicKey: result.publicKey,
        fingerprint: result.fingerprint,
        jobId: null,
        participantId: null,
      };
      socket.data = data;
      if (result.enrolled) {
        store.audit(result.invite.jobId, result.invite.id, 'enrolled', {
          invite: result.invite.name,
          publicKey: Buffer.from(result.publicKey).toString('base64'),
          keyFingerprint: result.fingerprint,
        });
        log.info('federation', `${result.invite.name} enrolled key ${formatFingerprint(result.fingerprint)}`);
      }
      next();
    } catch (err) {
      log.error('federation', `handshake failed: ${(err as Error).message}`);
      next(refusal('the hub could not check this handshake; try again', 'internal'));
    }
  });

  nsp.on('connection', (socket) => {
    const data = socket.data as SocketData;
    deps.trust?.(socket.conn);
    const bucket = new TokenBucket(rate.burst, rate.perSec);
    let inviteBucket = inviteBuckets.get(data.invite.id);
    if (!inviteBucket)
      inviteBuckets.set(data.invite.id, (inviteBucket = new TokenBucket(rate.burst, rate.perSec)));
    const perInvite = inviteBucket;
    let flooded = false;
    socket.use((packet, next) => {
      const socketOk = bucket.take();
      if (socketOk && perInvite.take()) return next();
      // Past the budget nothing reaches a handler: the first event is answered, the rest dropped.
      if (!flooded) {
        flooded = true;
        const budget = socketOk ? 'its invite (all its connections together)' : 'one connection';
        log.warn(
          'federation',
          `${data.invite.name} sent events faster than ${budget} may (${rate.burst} at once, ${rate.perSec}/s); disconnecting it and dropping the rest`,
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

    /** Refusals are evidence too: recorded as refused, with the reason the participant was given. */
    const refused = (
      jobId: string,
      pid: string,
      what: string,
      detail: Record<string, unknown>,
      res: { code: string; error: string },
    ): void => {
      store.audit(jobId, pid, `${what}-refused`, { ...detail, code: res.code, error: res.error });
      log.warn('federation', `${what} from ${data.invite.name} refused: ${res.error}`, jobId);
    };

    const runnerOf = (jobId: string) => {
      const runner = jobs.runner(jobId);
      if (!runner) throw new Error(`job ${jobId} is not active`);
      return runner;
    };

    handle('participant:ready', readySchema, (jobId, pid, msg) => runnerOf(jobId).ready(pid, msg));
    handle('round:update', roundUpdateSchema, async (jobId, pid, msg) => {
      const runner = jobs.runner(jobId);
      const answer = !runner
        ? ({
            ok: false,
            code: 'wrong-round',
            error: 'This job has ended; the hub takes no more updates.',
          } as const)
        : admitUpdate({ store, job: runner.job, participantId: pid, publicKey: data.publicKey }, msg);
      if (!answer.ok) {
        refused(jobId, pid, 'update', { round: msg.round, samples: msg.samples }, answer);
        return answer;
      }
      const admitted: AdmittedUpdate = {
        ...msg,
        samples: answer.samples,
        claimedSamples: msg.samples,
        publicKey: Buffer.from(data.publicKey).toString('base64'),
      };
      const res = await runner!.update(pid, admitted);
      if (!res.ok) refused(jobId, pid, 'update', { round: msg.round, samples: msg.samples }, res);
      return res;
    });
    handle('round:eval', roundEvalSchema, (jobId, pid, msg) => {
      const runner = jobs.runner(jobId);
      const res = runner
        ? runner.evalReport(pid, msg)
        : ({ ok: false, code: 'wrong-round', error: 'This job has ended.' } as const);
      const detail = { round: msg.round, accuracy: msg.accuracy, samples: msg.samples };
      if (res.ok) store.audit(jobId, pid, 'eval', detail);
      else refused(jobId, pid, 'eval', detail, res);
      return res;
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
        ...(msg.backend !== undefined ? { backend: msg.backend } : {}),
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
      if (data.participantId) store.setParticipantKey(data.participantId, data.fingerprint);
    } catch (err) {
      log.error('federation', `could not assign a job to ${data.invite.name}: ${(err as Error).message}`);
      socket.emit('hub:error', {
        code: 'internal',
        message: 'The hub could not assign a job; try again later.',
      });
      socket.disconnect(true);
    }
    // One live connection per invite: a proven reconnect of the same key replaces the older one.
    // After the assignment, so the old socket's disconnect no longer owns the participant's seat
    // and cannot drop it from its round.
    for (const other of nsp.sockets.values()) {
      if (other.id !== socket.id && (other.data as Partial<SocketData>).invite?.id === data.invite.id) {
        other.emit('hub:error', {
          code: 'conflict',
          message: 'This participant connected again from elsewhere.',
        });
        other.disconnect(true);
      }
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
