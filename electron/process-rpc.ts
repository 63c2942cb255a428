/**
 * Request/response with ids plus an event stream over a utility process's message port. Used by
 * the main process to drive the participant engine and the embedded hub, each in its own process.
 * Every envelope is checked on arrival; the ports are abstracted so tests can wire both ends in
 * memory.
 */
import { z } from 'zod';

/** Main-process end of a child process. */
export interface ChildChannel {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

/** Child-process end (process.parentPort). */
export interface ParentChannel {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

const requestSchema = z.object({
  kind: z.literal('request'),
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(64),
  args: z.array(z.unknown()),
});
const responseSchema = z.discriminatedUnion('ok', [
  z.object({ kind: z.literal('response'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ kind: z.literal('response'), id: z.number().int(), ok: z.literal(false), error: z.string() }),
]);
const eventSchema = z.object({ kind: z.literal('event'), event: z.unknown() });
const fromChildSchema = z.union([responseSchema, eventSchema]);

/** Handlers the child serves, by method name. */
export type RpcHandlers = Record<string, (...args: unknown[]) => unknown>;

/** Serves `handlers` on the child's port; returns `emit` to push events to the parent. */
export function serveRpc(port: ParentChannel, handlers: RpcHandlers): { emit(event: unknown): void } {
  port.onMessage((message) => {
    const parsed = requestSchema.safeParse(message);
    if (!parsed.success) return; // Not ours: the parent only sends requests.
    const { id, method, args } = parsed.data;
    const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
    if (handler === undefined) {
      port.postMessage({ kind: 'response', id, ok: false, error: `Unknown method "${method}".` });
      return;
    }
    Promise.resolve()
      .then(() => handler(...args))
      .then(
        (value) => port.postMessage({ kind: 'response', id, ok: true, value }),
        (err: unknown) =>
          port.postMessage({
            kind: 'response',
            id,
            ok: false,
            error: err instanceof Error ? err.message : String(err),
          }),
      );
  });
  return { emit: (event) => port.postMessage({ kind: 'event', event }) };
}

export interface RpcClient {
  call(method: string, args: unknown[]): Promise<unknown>;
  onEvent(listener: (event: unknown) => void): () => void;
  /** Called once when the child exits; pending calls are rejected first. */
  onExit(listener: (code: number) => void): void;
  readonly alive: boolean;
  stop(): void;
}

/** The parent's end: numbered requests, answered in any order; all pending fail if the child dies. */
export function createRpcClient(child: ChildChannel, name: string): RpcClient {
  let nextId = 1;
  let alive = true;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const eventListeners = new Set<(event: unknown) => void>();
  const exitListeners: ((code: number) => void)[] = [];

  child.onMessage((message) => {
    const parsed = fromChildSchema.safeParse(message);
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.kind === 'event') {
      for (const listener of eventListeners) listener(msg.event);
      return;
    }
    const waiter = pending.get(msg.id);
    if (waiter === undefined) return;
    pending.delete(msg.id);
    if (msg.ok) waiter.resolve(msg.value);
    else waiter.reject(new Error(msg.error));
  });
  child.onExit((code) => {
    alive = false;
    const error = new Error(
      `The ${name} process stopped (exit code ${code}). Try again; see the logs if it repeats.`,
    );
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    for (const listener of exitListeners) listener(code);
  });

  return {
    call(method, args) {
      if (!alive) return Promise.reject(new Error(`The ${name} process is not running.`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.postMessage({ kind: 'request', id, method, args });
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    get alive() {
      return alive;
    },
    stop() {
      if (alive) child.kill();
    },
  };
}
