/**
 * Rounds in SQLite: when each started and finished, every update's size, hash and metrics (the
 * weights themselves only until the round is unified, so a restarted hub can still use them: in
 * files, see update-blobs.ts), each method's hub accuracy, participants' evals, and the global
 * weights after every round. Statements are prepared once (a prepare costs more than the insert).
 */
import type Database from 'better-sqlite3';
import { UpdateBlobs } from './update-blobs.ts';
import type { LocalMetrics, RoundRecord } from '../../core/wire/protocol.ts';
import type { UnifyMethod } from '../../core/unify/types.ts';
import type { RoundPicks } from '../../core/unify/pick-stats.ts';

/** An update as stored: the weights are present only while its round is open. */
export interface StoredUpdate {
  participantId: string;
  samples: number;
  metrics: LocalMetrics;
  bytes: number;
  sha256: string;
  weights: Uint8Array | null;
}

/** The state of the open (or last) round of a job, as a restarted hub needs it. */
export interface StoredRound {
  round: number;
  method: UnifyMethod;
  startedAt: string;
  completedAt: string | null;
  deadline: number;
}

interface UpdateRow {
  participant_id: string;
  samples: number;
  metrics: string;
  bytes: number;
  sha256: string;
  weights: Buffer | null;
}

/** Round-level tables of the hub database. */
export class RoundStore {
  private readonly blobs: UpdateBlobs;
  private readonly statements = new Map<string, Database.Statement>();
  /** Updates being written (participant of a round), so a second put for it is refused at once. */
  private readonly writing = new Set<string>();

  /** `dataDir` null: update weights stay in memory (a ':memory:' store). */
  constructor(
    private readonly db: Database.Database,
    dataDir: string | null = null,
  ) {
    this.blobs = new UpdateBlobs(dataDir);
  }

  /** A prepared statement, cached by its SQL. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  /** Records the start of a round (or, after a restart, leaves an existing start as it was). */
  start(jobId: string, round: number, method: UnifyMethod, deadline: number): void {
    this.db
      .prepare(
        `INSERT INTO rounds (job_id, round, method, started_at, deadline) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (job_id, round) DO NOTHING`,
      )
      .run(jobId, round, method, new Date().toISOString(), deadline);
  }

  /** One round, or null. */
  get(jobId: string, round: number): StoredRound | null {
    const row = this.db.prepare('SELECT * FROM rounds WHERE job_id = ? AND round = ?').get(jobId, round) as
      | {
          round: number;
          method: UnifyMethod;
          started_at: string;
          completed_at: string | null;
          deadline: number;
        }
      | undefined;
    if (!row) return null;
    return {
      round: row.round,
      method: row.method,
      startedAt: row.started_at,
      completedAt: row.completed_at,
      deadline: row.deadline,
    };
  }

  /**
   * Stores an update: its weights first (off the event loop), then its row, so a row always has its
   * weights until the round is unified. Resolves false when this participant already sent one.
   */
  async putUpdate(jobId: string, round: number, u: StoredUpdate): Promise<boolean> {
    const key = `${jobId}/${round}/${u.participantId}`;
    if (this.writing.has(key) || this.updateOf(jobId, round, u.participantId)) return false;
    this.writing.add(key);
    try {
      if (u.weights) await this.blobs.put(jobId, round, u.participantId, u.weights);
      const res = this.sql(
        `INSERT INTO updates (job_id, round, participant_id, samples, metrics, bytes, sha256, weights, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING`,
      ).run(
        jobId,
        round,
        u.participantId,
        u.samples,
        JSON.stringify(u.metrics),
        u.bytes,
        u.sha256,
        new Date().toISOString(),
      );
      return res.changes > 0;
    } finally {
      this.writing.delete(key);
    }
  }

  /** This participant's update of a round without its weights (replays after a restart), or null. */
  updateOf(jobId: string, round: number, participantId: string): { bytes: number; sha256: string } | null {
    const row = this.sql(
      'SELECT bytes, sha256 FROM updates WHERE job_id = ? AND round = ? AND participant_id = ?',
    ).get(jobId, round, participantId) as { bytes: number; sha256: string } | undefined;
    return row ?? null;
  }

  /** The updates of a round without their weights, by participant id. */
  summaries(jobId: string, round: number): Omit<StoredUpdate, 'weights'>[] {
    const rows = this.sql(
      'SELECT participant_id, samples, metrics, bytes, sha256 FROM updates WHERE job_id = ? AND round = ? ORDER BY participant_id',
    ).all(jobId, round) as Omit<UpdateRow, 'weights'>[];
    return rows.map((r) => ({
      participantId: r.participant_id,
      samples: r.samples,
      metrics: JSON.parse(r.metrics) as LocalMetrics,
      bytes: r.bytes,
      sha256: r.sha256,
    }));
  }

  /** The updates of a round with their weights (null once the round is unified), by participant id. */
  updates(jobId: string, round: number): StoredUpdate[] {
    const rows = this.sql('SELECT * FROM updates WHERE job_id = ? AND round = ? ORDER BY participant_id').all(
      jobId,
      round,
    ) as UpdateRow[];
    return rows.map((r) => ({
      participantId: r.participant_id,
      samples: r.samples,
      metrics: JSON.parse(r.metrics) as LocalMetrics,
      bytes: r.bytes,
      sha256: r.sha256,
      // Rows written before update-blobs.ts kept their weights in the row.
      weights: r.weights ? new Uint8Array(r.weights) : this.blobs.get(jobId, round, r.participant_id),
    }));
  }

  /** Deletes the stored update weights of a job (when the job is deleted). */
  dropJob(jobId: string): void {
    this.blobs.dropJob(jobId);
  }

  /** Stores the global weights after `round` (0: the initial weights). */
  putCheckpoint(jobId: string, round: number, weights: Uint8Array, sha256: string): void {
    this.db
      .prepare(
        `INSERT INTO checkpoints (job_id, round, weights, sha256, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (job_id, round) DO UPDATE SET weights = excluded.weights, sha256 = excluded.sha256`,
      )
      .run(jobId, round, weights, sha256, new Date().toISOString());
  }

  /** The encoded global weights after `round`, or after the latest round when none is given. */
  checkpoint(jobId: string, round?: number): { round: number; weights: Uint8Array } | null {
    const row = (
      round === undefined
        ? this.db
            .prepare('SELECT round, weights FROM checkpoints WHERE job_id = ? ORDER BY round DESC LIMIT 1')
            .get(jobId)
        : this.db
            .prepare('SELECT round, weights FROM checkpoints WHERE job_id = ? AND round = ?')
            .get(jobId, round)
    ) as { round: number; weights: Buffer } | undefined;
    return row ? { round: row.round, weights: new Uint8Array(row.weights) } : null;
  }

  /**
   * Closes a round in one transaction: method results, the new checkpoint, and the update weights
   * dropped (their hashes stay in the audit trail).
   */
  complete(
    jobId: string,
    round: number,
    result: {
      unifyMs: number;
      methods: { method: UnifyMethod; hubAccuracy: number | null; hubLoss: number | null }[];
      checkpoint: Uint8Array;
      checkpointSha256: string;
      /** max/absmax pick statistics of the round's updates (tracked jobs only). */
      picks?: RoundPicks | null;
    },
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          'UPDATE rounds SET completed_at = ?, unify_ms = ?, pick_stats = ? WHERE job_id = ? AND round = ?',
        )
        .run(
          new Date().toISOString(),
          result.unifyMs,
          result.picks ? JSON.stringify(result.picks) : null,
          jobId,
          round,
        );
      const put = this.db.prepare(
        `INSERT INTO round_methods (job_id, round, method, hub_accuracy, hub_loss) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET hub_accuracy = excluded.hub_accuracy, hub_loss = excluded.hub_loss`,
      );
      for (const m of result.methods) put.run(jobId, round, m.method, m.hubAccuracy, m.hubLoss);
      this.putCheckpoint(jobId, round, result.checkpoint, result.checkpointSha256);
      this.db
        .prepare('UPDATE updates SET weights = NULL WHERE job_id = ? AND round = ? AND weights IS NOT NULL')
        .run(jobId, round);
    })();
    void this.blobs.dropRound(jobId, round).catch(() => undefined);
  }

  /** Stores the hub-test scores of a round's methods when its (background) evaluation is done. */
  putScores(
    jobId: string,
    round: number,
    methods: { method: UnifyMethod; hubAccuracy: number | null; hubLoss: number | null }[],
    evalMs: number,
  ): void {
    this.db.transaction(() => {
      const put = this.db.prepare(
        `INSERT INTO round_methods (job_id, round, method, hub_accuracy, hub_loss) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET hub_accuracy = excluded.hub_accuracy, hub_loss = excluded.hub_loss`,
      );
      for (const m of methods) put.run(jobId, round, m.method, m.hubAccuracy, m.hubLoss);
      this.db
        .prepare('UPDATE rounds SET eval_ms = ? WHERE job_id = ? AND round = ?')
        .run(evalMs, jobId, round);
    })();
  }

  /** Stores a participant's eval of a round's unified model; false when it already sent one. */
  putEval(
    jobId: string,
    round: number,
    participantId: string,
    e: { accuracy: number; loss: number; samples: number },
  ): boolean {
    const res = this.db
      .prepare(
        `INSERT INTO evals (job_id, round, participant_id, accuracy, loss, samples) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      )
      .run(jobId, round, participantId, e.accuracy, e.loss, e.samples);
    return res.changes > 0;
  }

  /** The evals of a round's unified model, by participant id. */
  evals(jobId: string, round: number): Map<string, { accuracy: number; loss: number; samples: number }> {
    const rows = this.db
      .prepare('SELECT participant_id, accuracy, loss, samples FROM evals WHERE job_id = ? AND round = ?')
      .all(jobId, round) as { participant_id: string; accuracy: number; loss: number; samples: number }[];
    return new Map(
      rows.map((r) => [r.participant_id, { accuracy: r.accuracy, loss: r.loss, samples: r.samples }]),
    );
  }

  /** Every round of a job as the operator sees it. */
  records(jobId: string, names: Map<string, string>): RoundRecord[] {
    const rounds = this.db.prepare('SELECT * FROM rounds WHERE job_id = ? ORDER BY round').all(jobId) as {
      round: number;
      method: UnifyMethod;
      started_at: string;
      completed_at: string | null;
      unify_ms: number | null;
      eval_ms?: number | null;
      pick_stats?: string | null;
    }[];
    return rounds.map((r) => this.record(jobId, r, names));
  }

  /** One round as the operator sees it, or null. */
  recordOf(jobId: string, round: number, names: Map<string, string>): RoundRecord | null {
    const r = this.db.prepare('SELECT * FROM rounds WHERE job_id = ? AND round = ?').get(jobId, round) as
      | {
          round: number;
          method: UnifyMethod;
          started_at: string;
          completed_at: string | null;
          unify_ms: number | null;
          eval_ms?: number | null;
          pick_stats?: string | null;
        }
      | undefined;
    return r ? this.record(jobId, r, names) : null;
  }

  /** The outlier statistics of one update (update_stats, written by the trust side at round close). */
  private statOf(jobId: string, round: number, pid: string): Partial<RoundRecord['participants'][number]> {
    const s = this.db
      .prepare('SELECT * FROM update_stats WHERE job_id = ? AND round = ? AND participant_id = ?')
      .get(jobId, round, pid) as
      { distance_global: number; distance_median: number; score: number; outlier: number } | undefined;
    if (!s) return {};
    return {
      distanceFromGlobal: s.distance_global,
      distanceFromMedian: s.distance_median,
      outlierScore: s.score,
      outlier: s.outlier === 1,
    };
  }

  private record(
    jobId: string,
    r: {
      round: number;
      method: UnifyMethod;
      started_at: string;
      completed_at: string | null;
      unify_ms: number | null;
      eval_ms?: number | null;
      pick_stats?: string | null;
    },
    names: Map<string, string>,
  ): RoundRecord {
    const evals = this.evals(jobId, r.round);
    const methods = (
      this.db
        .prepare(
          'SELECT method, hub_accuracy, hub_loss FROM round_methods WHERE job_id = ? AND round = ? ORDER BY rowid',
        )
        .all(jobId, r.round) as {
        method: UnifyMethod;
        hub_accuracy: number | null;
        hub_loss: number | null;
      }[]
    ).map((m) => ({ method: m.method, hubAccuracy: m.hub_accuracy, hubLoss: m.hub_loss }));
    return {
      jobId,
      round: r.round,
      method: r.method,
      startedAt: r.started_at,
      completedAt: r.completed_at,
      participants: this.summaries(jobId, r.round).map((u) => ({
        participantId: u.participantId,
        name: names.get(u.participantId) ?? u.participantId,
        samples: u.samples,
        localAccuracy: u.metrics.accuracy,
        localTestAccuracy: u.metrics.testAccuracy,
        unifiedLocalAccuracy: evals.get(u.participantId)?.accuracy ?? null,
        bytes: u.bytes,
        sha256: u.sha256,
        ...this.statOf(jobId, r.round, u.participantId),
      })),
      methods,
      hubAccuracy: methods.find((m) => m.method === r.method)?.hubAccuracy ?? null,
      unifyMs: r.unify_ms,
      evalMs: r.eval_ms ?? null,
      ...(r.pick_stats ? { picks: JSON.parse(r.pick_stats) as RoundPicks } : {}),
    };
  }
}
