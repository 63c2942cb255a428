/**
 * Both ends of a utility process's message port in memory, for tests of main ↔ utility protocols:
 * messages are structured-cloned and delivered on a microtask, like the real port; `exit(code)`
 * tells the parent's listeners the process ended (and `kill` ends it with 0).
 */
import type { ChildChannel, ParentChannel } from '../../../electron/process-rpc.ts';

/** A connected pair: `parent` is the utility process's end, `child` main's end. */
export function memoryPort(): { parent: ParentChannel; child: ChildChannel; exit: (code: number) => void } {
  const toChild = new Set<(m: unknown) => void>();
  const toParent = new Set<(m: unknown) => void>();
  const exits = new Set<(code: number) => void>();
  const exit = (code: number): void => exits.forEach((l) => l(code));
  const parent: ParentChannel = {
    postMessage: (m) => queueMicrotask(() => toParent.forEach((l) => l(structuredClone(m)))),
    onMessage: (l) => void toChild.add(l),
  };
  const child: ChildChannel = {
    postMessage: (m) => queueMicrotask(() => toChild.forEach((l) => l(structuredClone(m)))),
    onMessage: (l) => void toParent.add(l),
    onExit: (l) => void exits.add(l),
    kill: () => exit(0),
  };
  return { parent, child, exit };
}
