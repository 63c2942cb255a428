/**
 * The weights of an open round's updates, kept only so a restarted hub can resume the round.
 * One file per update under `<dataDir>/updates/<job>/<round>/`, written asynchronously (in libuv's
 * thread pool, not on the event loop: a 426 KB blob in SQLite cost ~4 ms of main-thread time per
 * update, plus WAL checkpoints) and deleted when the round is unified. ':memory:' keeps them in a Map.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Update weights by job, round and participant. */
export class UpdateBlobs {
  private readonly memory = new Map<string, Uint8Array>();
  /** Writes in flight per round folder, so deleting a round waits for them. */
  private readonly pending = new Map<string, Set<Promise<void>>>();
  /** Round folders already created by this process. */
  private readonly made = new Set<string>();
  /** Round folders being deleted: their blobs read as missing from the moment of the call. */
  private readonly dropped = new Set<string>();

  /** `dir` null: keep blobs in memory (a throwaway ':memory:' store). */
  constructor(private readonly dir: string | null) {}

  /** Writes one update's weights; resolves when they are on disk. */
  async put(jobId: string, round: number, participantId: string, weights: Uint8Array): Promise<void> {
    const folder = this.folder(jobId, round);
    const file = join(folder, `${checkId(participantId)}.bin`);
    if (!this.dir) {
      this.memory.set(file, weights);
      return;
    }
    const write = (async () => {
      if (!this.made.has(folder)) {
        await mkdir(folder, { recursive: true });
        this.made.add(folder);
      }
      await writeFile(file, weights);
    })();
    const set = this.pending.get(folder) ?? new Set();
    this.pending.set(folder, set);
    set.add(write);
    try {
      await write;
    } finally {
      set.delete(write);
      if (set.size === 0) this.pending.delete(folder);
    }
  }

  /** One update's weights, or null when missing (its round was unified, or the write never finished). */
  get(jobId: string, round: number, participantId: string): Uint8Array | null {
    const folder = this.folder(jobId, round);
    if (this.dropped.has(folder)) return null;
    const file = join(folder, `${checkId(participantId)}.bin`);
    if (!this.dir) return this.memory.get(file) ?? null;
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : null;
  }

  /** Deletes a round's weights once its writes in flight have settled. */
  async dropRound(jobId: string, round: number): Promise<void> {
    const folder = this.folder(jobId, round);
    if (!this.dir) {
      for (const key of this.memory.keys()) if (key.startsWith(folder + sep)) this.memory.delete(key);
      return;
    }
    this.dropped.add(folder);
    try {
      await Promise.allSettled([...(this.pending.get(folder) ?? [])]);
      await rm(folder, { recursive: true, force: true });
      this.made.delete(folder);
    } finally {
      this.dropped.delete(folder);
    }
  }

  /** Deletes every stored update weight of a job (job deleted). */
  dropJob(jobId: string): void {
    const folder = join(this.root(), checkId(jobId));
    if (!this.dir) {
      for (const key of this.memory.keys()) if (key.startsWith(folder + sep)) this.memory.delete(key);
      return;
    }
    rmSync(folder, { recursive: true, force: true });
    for (const f of this.made) if (f.startsWith(folder + sep)) this.made.delete(f);
  }

  private root(): string {
    return this.dir ? join(this.dir, 'updates') : 'memory:';
  }

  private folder(jobId: string, round: number): string {
    if (!Number.isInteger(round) || round < 0) throw new Error(`bad round ${round}`);
    return join(this.root(), checkId(jobId), String(round));
  }
}

/** Ids become file names: only ids the hub itself generates are accepted. */
function checkId(id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`refusing to use "${id}" in a file name`);
  return id;
}
