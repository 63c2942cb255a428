/**
 * Median and trimmed mean on several threads (Node only: the hub and `bench unify` register it).
 * Worker threads read the updates where they lie — each update's tensors in one SharedArrayBuffer,
 * as the hub decodes them — and write their coordinates into shared output, so nothing of the
 * K × model values is copied. Chunks of coordinates are claimed from a shared counter by the
 * workers and by the calling thread alike, which then waits on an Atomics counter: `unify` stays
 * synchronous, and no thread idles while chunks remain. A chunk a worker failed, or did not finish
 * while no chunk finished for STALL_MS, is computed by the caller; the result is the same value
 * for value as on one thread.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import {
  blockSize,
  reduceRange,
  reducerOf,
  scratchFor,
  setParallelOrderStats,
  type OrderStat,
} from '../unify/order-stats.ts';
import { throwFirstNonFinite } from '../unify/validate.ts';
import type { Update } from '../unify/types.ts';

/** Calls with fewer values (K × parameters) stay on the calling thread: a hand-off costs ~1 ms. */
export const PARALLEL_MIN_VALUES = 1 << 22;
/** Values per chunk of work (a few ms each). */
const CHUNK_VALUES = 1 << 20;
/** Without a finished chunk for this long, the caller computes what is left itself. */
const STALL_MS = 2000;

/** Chunk states in the shared state array. */
export const CHUNK_PENDING = 0;
export const CHUNK_DONE = 1;
export const CHUNK_FAILED = 2;

/** Control words: next chunk to claim, chunks finished (done or failed), a non-finite value seen. */
export const CTL_NEXT = 0;
export const CTL_FINISHED = 1;
export const CTL_NON_FINITE = 2;

/** One call's work, as a worker receives it. */
export interface RunMessage {
  type: 'run';
  /** Set when the updates differ from the previous call's (else the worker keeps its views). */
  buffers?: SharedArrayBuffer[];
  /** Per update and tensor, the byte offset of the tensor in its update's buffer (K × T). */
  offsets: Int32Array;
  lengths: number[];
  stat: OrderStat;
  /** [tensor, start, length] per chunk. */
  chunks: Int32Array;
  outs: SharedArrayBuffer[];
  ctl: Int32Array;
  state: Int32Array;
}

/** Claims and reduces chunks until none is left; shared by the workers and the calling thread. */
export function workChunks(updates: Update[], msg: Omit<RunMessage, 'type' | 'buffers'>): void {
  const { chunks, ctl, state, stat } = msg;
  const outs = msg.outs.map((b) => new Float32Array(b));
  const n = chunks.length / 3;
  const reduce = reducerOf(stat, updates.length);
  const scratch = scratchFor(updates.length);
  for (;;) {
    const c = Atomics.add(ctl, CTL_NEXT, 1);
    if (c >= n) return;
    let outcome = CHUNK_DONE;
    if (Atomics.load(ctl, CTL_NON_FINITE) === 0) {
      try {
        const ok = reduceRange(
          updates,
          chunks[3 * c],
          chunks[3 * c + 1],
          chunks[3 * c + 2],
          outs[chunks[3 * c]],
          scratch,
          reduce,
        );
        if (!ok) Atomics.store(ctl, CTL_NON_FINITE, 1);
      } catch {
        outcome = CHUNK_FAILED;
      }
    }
    Atomics.store(state, c, outcome);
    Atomics.add(ctl, CTL_FINISHED, 1);
    Atomics.notify(ctl, CTL_FINISHED);
  }
}

/** The updates' tensors as views of their buffers. */
export function viewsOf(buffers: SharedArrayBuffer[], offsets: Int32Array, lengths: number[]): Update[] {
  const t = lengths.length;
  return buffers.map((b, u) => ({
    weights: lengths.map((len, i) => new Float32Array(b, offsets[u * t + i], len)),
    samples: 0,
  }));
}

/** The one SharedArrayBuffer holding all of an update's tensors, or null. */
function sharedBufferOf(u: Update): SharedArrayBuffer | null {
  const b = u.weights[0]?.buffer;
  if (!(b instanceof SharedArrayBuffer)) return null;
  for (const w of u.weights) if (w.buffer !== b) return null;
  return b;
}

/** Threads running order statistics; `close` lets them go. */
export interface OrderStatThreads {
  /** Threads in all, the calling one included. */
  readonly threads: number;
  /** The statistic on every thread, or null when the call is better left to one (see PARALLEL_MIN_VALUES). */
  run(updates: Update[], stat: OrderStat, minValues?: number): Float32Array[] | null;
  close(): Promise<void>;
}

/**
 * Starts `threads − 1` worker threads (default: one per core, at most 8 in all) and resolves once
 * they are ready. With `register` (the default) median and trimmed mean use them from then on.
 */
export async function startOrderStatThreads(
  opts: { threads?: number; register?: boolean } = {},
): Promise<OrderStatThreads> {
  const threads = opts.threads ?? Math.min(8, availableParallelism());
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new Error(`order-statistic threads must be a whole number ≥ 1, got ${threads}`);
  }
  const workers = await Promise.all(
    Array.from({ length: threads - 1 }, async () => {
      const w = new Worker(new URL('./order-stat-worker-boot.js', import.meta.url));
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
      });
      // Idle workers must not keep a process alive.
      w.unref();
      return w;
    }),
  );
  let alive = workers.length;
  for (const w of workers) w.once('exit', () => alive--);
  let sent: SharedArrayBuffer[] = [];
  const pool: OrderStatThreads = {
    threads,
    run(updates, stat, minValues = PARALLEL_MIN_VALUES) {
      const k = updates.length;
      const lengths = updates[0]?.weights.map((w) => w.length) ?? [];
      const total = lengths.reduce((a, b) => a + b, 0);
      if (alive === 0 || k * total < minValues) return null;
      const buffers: SharedArrayBuffer[] = [];
      for (const u of updates) {
        const b = sharedBufferOf(u);
        if (b === null) return null;
        buffers.push(b);
      }
      const t = lengths.length;
      const offsets = new Int32Array(k * t);
      updates.forEach((u, i) => u.weights.forEach((w, j) => (offsets[i * t + j] = w.byteOffset)));
      const per = Math.max(blockSize(k), Math.floor(CHUNK_VALUES / k));
      const list: number[] = [];
      lengths.forEach((len, i) => {
        for (let s = 0; s < len; s += per) list.push(i, s, Math.min(per, len - s));
      });
      const n = list.length / 3;
      const chunks = new Int32Array(new SharedArrayBuffer(4 * list.length));
      chunks.set(list);
      const outs = lengths.map((len) => new SharedArrayBuffer(4 * len));
      const ctl = new Int32Array(new SharedArrayBuffer(16));
      const state = new Int32Array(new SharedArrayBuffer(4 * n));
      // Structured-cloning a thousand buffer handles costs a few ms: send them when they change.
      const same = sent.length === k && buffers.every((b, i) => b === sent[i]);
      sent = buffers;
      const msg: RunMessage = { type: 'run', offsets, lengths, stat, chunks, outs, ctl, state };
      for (const w of workers) w.postMessage(same ? msg : { ...msg, buffers });
      workChunks(updates, msg);
      // Wait for the workers' last chunks; a stalled one is taken over below.
      for (;;) {
        const finished = Atomics.load(ctl, CTL_FINISHED);
        if (finished >= n) break;
        if (Atomics.wait(ctl, CTL_FINISHED, finished, STALL_MS) === 'timed-out') break;
      }
      if (Atomics.load(ctl, CTL_NON_FINITE) !== 0) throwFirstNonFinite(updates);
      const views = outs.map((b) => new Float32Array(b));
      const reduce = reducerOf(stat, k);
      const scratch = scratchFor(k);
      for (let c = 0; c < n; c++) {
        if (Atomics.load(state, c) === CHUNK_DONE) continue;
        const [ti, s, len] = [chunks[3 * c], chunks[3 * c + 1], chunks[3 * c + 2]];
        if (!reduceRange(updates, ti, s, len, views[ti], scratch, reduce)) throwFirstNonFinite(updates);
      }
      // Plain arrays out: a late worker write lands in the shared copy nobody reads any more.
      return views.map((v) => Float32Array.from(v));
    },
    async close() {
      if (opts.register !== false) setParallelOrderStats(null);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
  if (opts.register !== false) setParallelOrderStats((updates, stat) => pool.run(updates, stat));
  return pool;
}

/**
 * How the hub, `simulate` and the round benchmark start the threads: a failure leaves median and
 * trimmed mean on one thread (they work without the pool) and is said once on stderr.
 */
export function startOrderStatThreadsOrWarn(): Promise<OrderStatThreads | null> {
  return startOrderStatThreads().catch((err: unknown) => {
    process.stderr.write(
      `Order statistics stay on one thread: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return null;
  });
}
