/**
 * The connected participants of one job: their sockets, who is ready, the job:assign they get, the
 * dataset check on participant:ready, their records pushed to consoles, and the job's sends to
 * them (one paced queue, the throttled job:roster). The round state machine (round-coordinator.ts)
 * decides what a connection, a drop or a ready means for a round.
 */
import type { Socket } from 'socket.io';
import type {
  Ack,
  FederationClientEvents,
  FederationServerEvents,
  JobAssignment,
  JobRecord,
  ReadyMessage,
} from '../../core/wire/protocol.ts';
import { resolveModel } from '../../core/wire/job-spec.ts';
import type { Store } from '../db/store.ts';
import type { HubEvents, HubLogger } from '../hub-events.ts';
import { datasetProblems } from '../federation/dataset-check.ts';
import { jobPrivacy } from '../privacy/privacy-rounds.ts';
import { Throttle } from './round-status.ts';

export type FederationSocket = Socket<FederationClientEvents, FederationServerEvents>;

/** A connected participant of a job. */
export interface Conn {
  socket: FederationSocket;
  name: string;
  ready: boolean;
}

/** The job as a participant sees it (job:assign). */
export function assignmentOf(job: JobRecord): JobAssignment {
  const s = job.spec;
  return {
    jobId: job.id,
    name: s.name,
    model: resolveModel(s),
    method: s.method,
    rounds: s.rounds,
    localEpochs: s.localEpochs,
    localSteps: s.localSteps ?? null,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    optimizer: s.optimizer,
    targetAccuracy: s.targetAccuracy ?? null,
    currentRound: job.currentRound,
    ...privacyOf(s),
    ...(s.proximalMu ? { proximalMu: s.proximalMu } : {}),
    ...(s.learningRateSchedule === 'cosine' ? { learningRateSchedule: 'cosine' as const } : {}),
  };
}

/** The job's privacy settings, when it has any (secure aggregation, DP). */
function privacyOf(spec: JobRecord['spec']): { privacy?: JobAssignment['privacy'] } {
  const privacy = jobPrivacy(spec);
  return privacy ? { privacy } : {};
}

/** Sockets and readiness of one job's participants. */
export class ParticipantConns {
  readonly conns = new Map<string, Conn>();
  /** Ready ids in the order they became ready (readyIds() without scanning every socket). */
  private readonly readySet = new Set<string>();
  /** The tail of the paced sends to participants (broadcast keeps them in order). */
  private sending: Promise<void> = Promise.resolve();
  /** job:roster to every connected participant while the job waits: at most one per interval, not one per join. */
  private readonly rosterNotice = new Throttle(() => this.sendRoster());

  constructor(
    private readonly deps: { store: Store; events: HubEvents; log: HubLogger },
    private readonly job: () => JobRecord,
  ) {}

  /** Publishes a participant's current record to consoles. */
  publish(participantId: string): void {
    const p = this.deps.store.getParticipant(participantId);
    if (!p) return;
    const { instanceId: _instanceId, ...rest } = p;
    this.deps.events.emit('participant:changed', { ...rest, connected: this.conns.has(participantId) });
  }

  /** Remembers a participant's socket (a second socket of the same one replaces the first) and assigns it the job. */
  attach(participantId: string, name: string, socket: FederationSocket): void {
    const job = this.job();
    const old = this.conns.get(participantId);
    if (old && old.socket.id !== socket.id) {
      old.socket.emit('hub:error', {
        code: 'conflict',
        message: 'This participant connected again from elsewhere.',
      });
      old.socket.disconnect(true);
    }
    this.conns.set(participantId, { socket, name, ready: false });
    this.readySet.delete(participantId);
    void socket.join(`job:${job.id}`);
    socket.emit('job:assign', assignmentOf(job));
    this.deps.store.audit(job.id, participantId, 'connected', { name, socket: socket.id });
    this.publish(participantId);
  }

  /** Forgets a closed socket; returns its connection, or null when it was not the current one. */
  detach(participantId: string, socketId: string, why?: string): Conn | null {
    const conn = this.conns.get(participantId);
    if (!conn || conn.socket.id !== socketId) return null;
    this.conns.delete(participantId);
    this.readySet.delete(participantId);
    this.deps.store.updateParticipant(participantId, { state: 'offline' });
    this.deps.log.info('federation', `${conn.name} disconnected${why ? `: ${why}` : ''}`, this.job().id);
    this.publish(participantId);
    return conn;
  }

  /** `participant:ready`: checks the dataset against the job and marks the participant ready. */
  markReady(participantId: string, msg: ReadyMessage): Ack {
    const job = this.job();
    const conn = this.conns.get(participantId);
    if (!conn) return { ok: false, code: 'not-found', error: 'This socket has no job assigned.' };
    const problems = datasetProblems(resolveModel(job.spec), msg.dataset);
    if (problems.length > 0) {
      return {
        ok: false,
        code: 'schema-mismatch',
        error: `Your dataset does not fit job "${job.spec.name}": ${problems.join('; ')}.`,
      };
    }
    conn.ready = true;
    this.readySet.add(participantId);
    this.deps.store.updateParticipant(participantId, {
      dataset: msg.dataset,
      backend: msg.backend,
      state: 'ready',
    });
    this.deps.store.audit(job.id, participantId, 'ready', {
      dataset: msg.dataset,
      backend: msg.backend.backend,
    });
    this.deps.log.info(
      'federation',
      `${conn.name} is ready (${msg.dataset.trainSamples} training samples, ${msg.backend.backend})`,
      job.id,
    );
    this.publish(participantId);
    return { ok: true };
  }

  /** Whether a participant is connected and ready. */
  isReady(participantId: string): boolean {
    return this.readySet.has(participantId);
  }

  /** Ready, connected participants. */
  readyIds(): string[] {
    return [...this.readySet];
  }

  /** How many are ready. */
  get readyCount(): number {
    return this.readySet.size;
  }

  /** A participant's name for log lines (its id when it is not connected). */
  nameOf(participantId: string): string {
    return this.conns.get(participantId)?.name ?? participantId;
  }

  /**
   * Sends to participants through one queue per job, paced (pacedSend): broadcasts keep their order
   * (a participant gets round:unified before the next round:start and job:end). Each socket travels
   * with its participant id, so a per-participant message costs no lookup: O(K) per broadcast.
   */
  broadcast(ids: Iterable<string>, send: (socket: FederationSocket, participantId: string) => void): void {
    const wanted = [...ids];
    this.sending = this.sending.then(() => {
      const targets: PacedTarget[] = [];
      for (const id of wanted) {
        const socket = this.conns.get(id)?.socket;
        if (socket) targets.push({ id, socket });
      }
      return pacedSend(targets, send);
    });
  }

  /** Tells every connected participant how many are ready while the job waits (throttled). */
  noticeRoster(): void {
    this.rosterNotice.call();
  }

  /** Drops a pending job:roster notice (job end, hub shutdown). */
  stop(): void {
    this.rosterNotice.clear();
  }

  /** Participants see "waiting for 1 more participant (1 of 2)" instead of an idle screen. */
  private sendRoster(): void {
    const job = this.job();
    if (job.status !== 'waiting') return;
    const roster = { jobId: job.id, ready: this.readyCount, needed: job.spec.minParticipants };
    for (const c of this.conns.values()) c.socket.emit('job:roster', roster);
  }
}

/** What pacing needs of a socket's engine.io connection and its transport (absent on test fakes). */
interface EngineConn {
  writeBuffer: unknown[];
  transport: {
    writable: boolean;
    on(e: 'drain', fn: () => void): unknown;
    off(e: 'drain', fn: () => void): unknown;
  };
  once(e: 'close', fn: () => void): unknown;
  off(e: 'close', fn: () => void): unknown;
}

function engineOf(socket: FederationSocket): EngineConn | null {
  const conn = (socket as unknown as { conn?: Partial<EngineConn> }).conn;
  const t = conn?.transport;
  if (
    !conn ||
    !Array.isArray(conn.writeBuffer) ||
    typeof t?.on !== 'function' ||
    typeof conn.once !== 'function'
  ) {
    return null;
  }
  return conn as EngineConn;
}

/** A participant's socket, with its id so per-participant messages need no lookup. */
export interface PacedTarget {
  id: string;
  socket: FederationSocket;
}

/**
 * Sends one large message to many sockets with at most `window` of them not yet written out. Node's
 * TLS encrypts per connection, so an unpaced broadcast to 1,000 participants queues 1,000
 * encrypted copies (426 MB for the paper CNN) in the hub's memory when they read slowly; paced, the
 * hub holds `window` copies and the total time is the same (the encryption is the work).
 * "Written out" is the websocket transport's send callback with nothing left in engine.io's buffer
 * (engine.io's own 'drain' fires when packets are handed over, not when they are written).
 */
export function pacedSend(
  targets: readonly PacedTarget[],
  send: (socket: FederationSocket, participantId: string) => void,
  window = 128,
  stallMs = 30_000,
): Promise<void> {
  let next = 0;
  let inFlight = 0;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (inFlight < window && next < targets.length) {
        const { id, socket } = targets[next++];
        if (socket.connected === false) continue;
        const conn = engineOf(socket);
        if (!conn) {
          send(socket, id);
          continue;
        }
        inFlight++;
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          conn.transport.off('drain', onDrain);
          conn.off('close', finish);
          inFlight--;
          pump();
        };
        // The transport sets `writable` just after its 'drain'; look once the handlers have run.
        const onDrain = (): void => {
          setImmediate(() => {
            if (conn.transport.writable && conn.writeBuffer.length === 0) finish();
          });
        };
        // A participant that stops reading must not hold the others back.
        const timer = setTimeout(finish, stallMs);
        conn.transport.on('drain', onDrain);
        conn.once('close', finish);
        send(socket, id);
      }
      if (next >= targets.length && inFlight === 0) resolve();
    };
    pump();
  });
}
