/**
 * Error and abort helpers shared by the participant engine and its round modules: one place for
 * how an error becomes log text and how an aborted step is told apart from a failed one.
 */

/** The message of an Error, or the value as text. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True for the AbortError a stopped round (or a left hub) throws: not a failure to report. */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

/** Throws an AbortError when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DOMException('aborted', 'AbortError');
}
