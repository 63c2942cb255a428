/**
 * A job's server-optimizer state in SQLite: the moments m and v after its last completed round, one
 * row per job, written in the same transaction as that round's checkpoint so a restarted hub goes on
 * from exactly where the global weights are.
 */
import type Database from 'better-sqlite3';
import type { ServerOptimizerName, ServerOptimizerState } from '../../core/unify/server-optimizer.ts';

interface StateRow {
  optimizer: string;
  round: number;
  step: number;
  m: Buffer;
  v: Buffer;
}

/** Server-optimizer state of the hub's jobs. */
export class OptimizerStore {
  constructor(private readonly db: Database.Database) {}

  /** Stores the state after `round` (replacing the previous one). */
  put(jobId: string, optimizer: ServerOptimizerName, round: number, state: ServerOptimizerState): void {
    this.db
      .prepare(
        `INSERT INTO server_optimizer_state (job_id, optimizer, round, step, m, v) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET optimizer = excluded.optimizer, round = excluded.round,
           step = excluded.step, m = excluded.m, v = excluded.v`,
      )
      .run(jobId, optimizer, round, state.step, concat(state.m), concat(state.v));
  }

  /** The stored state, split into tensors of `lengths`; null when none; throws when it does not fit. */
  get(
    jobId: string,
    optimizer: ServerOptimizerName,
    lengths: number[],
  ): { round: number; state: ServerOptimizerState } | null {
    const row = this.db.prepare('SELECT * FROM server_optimizer_state WHERE job_id = ?').get(jobId) as
      StateRow | undefined;
    if (!row) return null;
    if (row.optimizer !== optimizer) {
      throw new Error(
        `the stored server-optimizer state is ${row.optimizer}'s, but the job uses ${optimizer}`,
      );
    }
    return {
      round: row.round,
      state: { step: row.step, m: split(row.m, lengths), v: split(row.v, lengths) },
    };
  }
}

function concat(tensors: Float32Array[]): Buffer {
  const out = Buffer.alloc(tensors.reduce((a, t) => a + t.byteLength, 0));
  let offset = 0;
  for (const t of tensors) {
    out.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), offset);
    offset += t.byteLength;
  }
  return out;
}

function split(blob: Buffer, lengths: number[]): Float32Array[] {
  if (blob.byteLength === 0) return [];
  const total = lengths.reduce((a, n) => a + n, 0);
  if (blob.byteLength !== total * 4) {
    throw new Error(
      `the stored server-optimizer state holds ${blob.byteLength / 4} values, the model ${total}`,
    );
  }
  // Copy: the Buffer may share a pool and need not be 4-byte aligned.
  const all = new Float32Array(total);
  new Uint8Array(all.buffer).set(blob);
  const out: Float32Array[] = [];
  let offset = 0;
  for (const n of lengths) {
    out.push(all.subarray(offset, offset + n));
    offset += n;
  }
  return out;
}
