/**
 * What the main thread and data-parallel training workers exchange: a step plan with its variables
 * replaced by indices (variables cannot cross threads), and the per-step requests and replies.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Op, StepPlan } from './fast-step.ts';

/** An op of a StepPlan with each variable replaced by its index in the model's trainable weights. */
export type OpDesc =
  | Exclude<Op, { kind: 'conv' } | { kind: 'dense' }>
  | (Omit<Extract<Op, { kind: 'conv' }>, 'kernel' | 'bias'> & { kernel: number; bias: number })
  | (Omit<Extract<Op, { kind: 'dense' }>, 'kernel' | 'bias'> & { kernel: number; bias: number });

/** Main → worker: the model to train from now on (shapes of its weights in `vars` order). */
export interface PlanMessage {
  type: 'plan';
  ops: OpDesc[];
  shapes: number[][];
  numClasses: number;
}

/** Main → worker: compute the gradient of one slice; `weights` are the current values (null: unchanged). */
export interface StepMessage {
  type: 'step';
  id: number;
  weights: Float32Array[] | null;
  images: Float32Array;
  labels: Int32Array;
  /** [b, h, w, c] of `images`. */
  shape: [number, number, number, number];
  seed: number;
}

/** Worker → main. Gradients are of the slice's mean loss, in `vars` order. */
export type WorkerReply =
  | { type: 'ready' }
  | {
      type: 'grads';
      id: number;
      grads: Float32Array[];
      loss: number;
      correct: number;
      /** Bytes the worker's backend holds after the step (constant from step to step: no leak). */
      bytes: number;
    }
  | { type: 'error'; id: number | null; message: string };

/** The plan with variables replaced by their index in `vars`; throws if a plan variable is not in `vars`. */
export function describePlan(plan: StepPlan, vars: tf.Variable[]): OpDesc[] {
  const index = new Map(vars.map((v, i) => [v.name, i]));
  const at = (v: tf.Variable): number => {
    const i = index.get(v.name);
    if (i === undefined) throw new Error(`parallel training: variable '${v.name}' is not trainable`);
    return i;
  };
  return plan.ops.map((op): OpDesc => {
    if (op.kind === 'conv' || op.kind === 'dense') return { ...op, kernel: at(op.kernel), bias: at(op.bias) };
    return op;
  });
}

/** Rebuilds a StepPlan from its description over the worker's own variables. */
export function planFromDescription(ops: OpDesc[], vars: tf.Variable[]): StepPlan {
  return {
    ops: ops.map((op): Op => {
      if (op.kind === 'conv' || op.kind === 'dense') {
        return { ...op, kernel: vars[op.kernel], bias: vars[op.bias] } as Op;
      }
      return op;
    }),
  };
}
