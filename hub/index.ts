/** The hub's public API: start one in-process with startHub, or run `fedunify hub`. */
export { startHub } from './server.ts';
export type { Hub, HubOptions } from './server.ts';
export type { OperatorFile } from './operator/operator-auth.ts';
export type { HubEvaluator } from './eval/hub-evaluator.ts';
