/**
 * The hub's jobs: one JobRunner per waiting or running job, assignment of connecting
 * participants to jobs, and participants without a job yet (they wait until one is created).
 */
import type { InviteRecord, JobRecord, ParticipantRecord } from '../../core/wire/protocol.ts';
import type { JobSpec } from '../../core/wire/job-spec.ts';
import { JobRunner, type FederationSocket, type RunnerDeps } from './round-coordinator.ts';
import { jobModel } from './model-ops.ts';

/** A connected participant socket not yet attached to a job. */
interface Waiting {
  socket: FederationSocket;
  invite: InviteRecord;
  instanceId: string;
}

/** Creates, runs, aborts and deletes jobs, and hands participants to them. */
export class JobManager {
  private readonly runners = new Map<string, JobRunner>();
  private readonly lobby = new Map<string, Waiting>();

  constructor(
    private readonly deps: RunnerDeps,
    /** Called with the largest update a job accepts, so the hub can raise its frame limit. */
    private readonly onModelSize: (bytes: number) => void,
  ) {
    for (const job of deps.store.listJobs()) {
      if (job.status === 'waiting' || job.status === 'running') this.resumeOrFail(job);
    }
  }

  /** A stored job that cannot be loaded is marked failed with its reason; the hub serves the rest. */
  private resumeOrFail(job: JobRecord): void {
    try {
      this.start(job);
    } catch (err) {
      this.runners.delete(job.id);
      const reason = `could not be loaded when the hub started: ${(err as Error).message}`;
      this.deps.store.updateJob(job.id, { status: 'failed', statusDetail: reason });
      this.deps.log.error('jobs', `job "${job.spec.name}" ${reason}`, job.id);
    }
  }

  private start(job: JobRecord): JobRunner {
    const runner = new JobRunner(this.deps, job);
    this.runners.set(job.id, runner);
    this.onModelSize(runner.model.maxBytes);
    return runner;
  }

  /** The runner of an active job, or undefined. */
  runner(jobId: string): JobRunner | undefined {
    return this.runners.get(jobId);
  }

  /** Checks that a job's model can be built, stores the job and starts taking participants. */
  create(spec: JobSpec, actor: string): JobRecord {
    jobModel(spec);
    const job = this.deps.store.createJob(spec);
    let runner: JobRunner;
    try {
      runner = this.start(job);
    } catch (err) {
      // Never leave behind a stored job that failed to start: it would fail at every restart.
      this.runners.delete(job.id);
      this.deps.store.deleteJob(job.id);
      throw err;
    }
    this.deps.store.audit(job.id, actor, 'job-created', { name: spec.name });
    this.deps.log.info('jobs', `job "${spec.name}" created by ${actor}`, job.id);
    this.deps.events.emit('job:changed', runner.job);
    for (const [socketId, w] of this.lobby) {
      if (w.invite.jobId === null || w.invite.jobId === job.id) {
        this.lobby.delete(socketId);
        this.assign(w.socket, w.invite, w.instanceId);
      }
    }
    return runner.job;
  }

  /** Aborts an active job; false when it is not active. */
  abort(jobId: string, actor: string): boolean {
    const runner = this.runners.get(jobId);
    if (!runner) return false;
    runner.end('aborted', `aborted by ${actor}`, 'aborted');
    this.runners.delete(jobId);
    return true;
  }

  /** Deletes a job and its records, aborting it first when it runs. */
  delete(jobId: string, actor: string): boolean {
    if (!this.deps.store.getJob(jobId)) return false;
    this.abort(jobId, actor);
    this.deps.store.deleteJob(jobId);
    this.deps.store.audit(null, actor, 'job-deleted', { jobId });
    this.deps.events.emit('job:deleted', { jobId });
    return true;
  }

  /** Finds the job for a newly connected participant and attaches it; returns its participant id. */
  assign(socket: FederationSocket, invite: InviteRecord, instanceId: string): string | null {
    const runner = invite.jobId ? this.runners.get(invite.jobId) : this.oldestActive();
    if (!runner) {
      if (invite.jobId && !this.runners.has(invite.jobId)) {
        const job = this.deps.store.getJob(invite.jobId);
        const why = job ? `has ended (${job.status})` : 'no longer exists';
        socket.emit('hub:error', {
          code: 'not-found',
          message: `The job of this invite ${why}. Ask the operator for a new invite.`,
        });
        socket.disconnect(true);
        return null;
      }
      this.lobby.set(socket.id, { socket, invite, instanceId });
      socket.emit('hub:error', {
        code: 'not-found',
        message:
          'The hub has no job waiting yet; stay connected, the job is sent as soon as the operator creates one.',
      });
      return null;
    }
    const p = this.deps.store.upsertParticipant({
      jobId: runner.job.id,
      inviteId: invite.id,
      instanceId,
      name: invite.name,
    });
    // The federation handlers read the job of a socket from its data (set here, also for the lobby).
    Object.assign(socket.data as object, { jobId: runner.job.id, participantId: p.id });
    runner.attach(p.id, p.name, socket);
    this.deps.log.info('federation', `${p.name} connected (invite ${invite.id})`, runner.job.id);
    return p.id;
  }

  /** A socket closed (`why`: the reason in words, for the log). */
  disconnected(socketId: string, jobId: string | null, participantId: string | null, why?: string): void {
    this.lobby.delete(socketId);
    if (jobId && participantId) this.runners.get(jobId)?.detach(participantId, socketId, why);
  }

  /** Drops runners of jobs that have ended (they keep no sockets or timers). */
  prune(): void {
    for (const [id, r] of this.runners) if (!r.isActive()) this.runners.delete(id);
  }

  private oldestActive(): JobRunner | undefined {
    this.prune();
    return [...this.runners.values()].sort((a, b) => a.job.createdAt.localeCompare(b.job.createdAt))[0];
  }

  /** Participants of a job as the operator sees them. */
  participants(jobId: string): ParticipantRecord[] {
    const runner = this.runners.get(jobId);
    return this.deps.store.listParticipants(jobId).map(({ instanceId: _i, ...p }) => ({
      ...p,
      connected: runner?.conns.has(p.id) ?? false,
      state: runner?.conns.has(p.id) ? p.state : 'offline',
    }));
  }

  /** Stops every runner's timers and evaluators (hub shutdown; state stays for a restart). */
  async close(): Promise<void> {
    for (const r of this.runners.values()) {
      r.stopTimers();
      await r.scoring.close();
    }
    this.runners.clear();
    this.lobby.clear();
  }
}
