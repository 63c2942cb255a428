/** Option parsers and the progress bar shared by the `fedunify` commands. */
import { SingleBar } from 'cli-progress';
import type { TrainingProgress } from '../core/wire/bridge.ts';
import { UNIFY_METHODS, type UnifyMethod } from '../core/unify/types.ts';

/** What the progress bar shows: local training (trainLocal) and the participant engine both report it. */
export type BarProgress = Pick<
  TrainingProgress,
  'samplesDone' | 'samplesTotal' | 'loss' | 'accuracy' | 'samplesPerSec' | 'etaSec'
>;

/** Parses a whole number ≥ 1 for the option `name`. */
export function positiveInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, got "${v}".`);
    return n;
  };
}

/** Parses a finite number > 0 for the option `name`. */
export function positiveReal(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${name} must be a number > 0, got "${v}".`);
    return n;
  };
}

/** Parses an integer (any sign) for the option `name`. */
export function integer(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number, got "${v}".`);
    return n;
  };
}

/** Parses a comma-separated list of unification methods for the option `name`. */
export function methodList(name: string): (v: string) => UnifyMethod[] {
  return (v) => {
    const names = v
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const unknown = names.filter((m) => !(UNIFY_METHODS as readonly string[]).includes(m));
    if (unknown.length > 0 || names.length === 0) {
      throw new Error(`${name} takes methods from ${UNIFY_METHODS.join(', ')}; got "${v}".`);
    }
    return names as UnifyMethod[];
  };
}

/** A progress bar on stderr (stdout stays clean for --json), updated from TrainProgress. */
export function progressBar(label: string): { update(p: BarProgress): void; stop(): void } {
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {value}/{total} samples | loss {loss} | acc {acc} | {sps} samples/s | eta {etaText}`,
      hideCursor: true,
      etaBuffer: 50,
      // Logs (stderr not a terminal) get a line every 5 s instead of nothing.
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    undefined,
  );
  let started = false;
  return {
    update(p) {
      const payload = {
        loss: p.loss.toFixed(4),
        acc: `${(p.accuracy * 100).toFixed(1)}%`,
        sps: p.samplesPerSec.toFixed(0),
        etaText: p.etaSec === null ? '?' : `${Math.round(p.etaSec)}s`,
      };
      if (!started) {
        bar.start(p.samplesTotal, p.samplesDone, payload);
        started = true;
      } else {
        bar.update(p.samplesDone, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
