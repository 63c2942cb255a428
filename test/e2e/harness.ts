/**
 * A tiny step runner for end-to-end scenarios: a scenario is a sequence of dependent steps (sign
 * in, create a job, ...); the first failing step ends its scenario, and the runner counts results.
 */

export interface StepResult {
  scenario: string;
  step: string;
  ok: boolean;
  ms: number;
  error?: string;
  /** Why the step did not run (printed); a skipped step counts neither as passed nor as failed. */
  skipped?: string;
}

/** Thrown inside a step that cannot run here, with the reason printed in the results. */
export class SkipStep extends Error {}

/** Records steps of one scenario. */
export class Scenario {
  readonly results: StepResult[] = [];
  constructor(readonly name: string) {}

  /** Runs one step; on failure records it and rethrows so the scenario stops there. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
      const value = await fn();
      this.results.push({ scenario: this.name, step: name, ok: true, ms: Date.now() - start });
      process.stdout.write(`  ✓ ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
      return value;
    } catch (err) {
      if (err instanceof SkipStep) {
        this.results.push({
          scenario: this.name,
          step: name,
          ok: true,
          ms: Date.now() - start,
          skipped: err.message,
        });
        process.stdout.write(`  - ${name}: skipped: ${err.message}\n`);
        return undefined as T;
      }
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.results.push({ scenario: this.name, step: name, ok: false, ms: Date.now() - start, error });
      process.stdout.write(`  ✗ ${name}\n${error.replace(/^/gm, '      ')}\n`);
      throw new StepFailed(name);
    }
  }
}

/** Thrown by a failed step: the scenario's remaining steps do not run. */
export class StepFailed extends Error {}

/** Fails with `message` unless `cond` holds. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then fails with `what`). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
