/**
 * Child-process side of the participant engine: serves the engine's methods over the RPC port
 * and streams its BridgeEvents to the main process.
 */
import { ENGINE_METHODS, type ServedEngine } from '../core/wire/bridge-methods.ts';
import { serveRpc, type ParentChannel, type RpcHandlers } from './process-rpc.ts';

/** The engine as the process serves it: its requests (sync or async) plus its event stream. */
export type ServableEngine = ServedEngine;

/** Serves `engine` on `port`; returns a function that stops relaying events. */
export function serveEngine(port: ParentChannel, engine: ServableEngine): () => void {
  const handlers: RpcHandlers = {};
  for (const method of ENGINE_METHODS) {
    // Arguments were validated in main before they were forwarded here.
    const fn = engine[method] as (...args: unknown[]) => unknown;
    handlers[method] = (...args) => fn.apply(engine, args);
  }
  const { emit } = serveRpc(port, handlers);
  return engine.subscribe((event) => emit(event));
}
