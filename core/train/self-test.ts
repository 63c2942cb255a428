/**
 * The backend self-test: a few Adam steps of a small CNN with the paper CNN's layer types (conv
 * 3×3 same + ReLU, max-pool 2, dense softmax), from fixed weights on fixed data. A backend is only
 * chosen when its losses and final weights match the cpu backend's within SELF_TEST_TOLERANCE.
 * Browser-safe: the GPU engine page runs it on WebGPU/WebGL, Node runs it on cpu for the reference.
 */
import { initialWeights } from '../model/init.ts';
import { deriveSeed, mulberry32 } from '../model/random.ts';
import type { ModelSpec } from '../model/spec.ts';
import { BatchTrainer } from './batch-trainer.ts';

/** Small enough to run in well under a second on any backend, big enough to use every kernel. */
export const SELF_TEST_SPEC: ModelSpec = {
  name: 'self-test-cnn',
  inputShape: [12, 12, 1],
  numClasses: 4,
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 4, activation: 'softmax' },
  ],
};

/** Default number of training steps of the self-test. */
export const SELF_TEST_STEPS = 3;

/**
 * Float32 sums in another order differ by ~1e-6 relative; a wrong kernel moves the loss by
 * ~1e-2 and weights by the learning rate (1e-2) per step. Adam's epsilon is raised to 1e-4 so that
 * near-zero gradients (where rounding decides the sign) cannot be amplified to a full step.
 */
export const SELF_TEST_TOLERANCE = { lossRelative: 1e-3, weightAbsolute: 2e-3 } as const;

const BATCH = 8;
const LEARNING_RATE = 0.01;

/** The fixed batch of step `i`: smooth random images and labels 0..3. */
function selfTestBatch(i: number): { images: Float32Array; labels: Int32Array } {
  const rand = mulberry32(deriveSeed(20261201, i));
  const [h, w] = SELF_TEST_SPEC.inputShape;
  const images = Float32Array.from({ length: BATCH * h * w }, () => rand());
  const labels = Int32Array.from({ length: BATCH }, () => Math.floor(rand() * SELF_TEST_SPEC.numClasses));
  return { images, labels };
}

/** What one run of the self-test produced on the current backend. */
export interface SelfTestRun {
  losses: number[];
  weights: Float32Array[];
}

/** Runs the self-test's steps on whatever tfjs backend is active. */
export async function runSelfTest(steps: number = SELF_TEST_STEPS): Promise<SelfTestRun> {
  const trainer = new BatchTrainer(SELF_TEST_SPEC);
  try {
    trainer.load(initialWeights(SELF_TEST_SPEC, 7), {
      optimizer: 'adam',
      learningRate: LEARNING_RATE,
      adamEpsilon: 1e-4,
    });
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const { images, labels } = selfTestBatch(i);
      losses.push((await trainer.train(images, labels, LEARNING_RATE, i)).loss);
    }
    return { losses, weights: await trainer.weights() };
  } finally {
    trainer.dispose();
  }
}

/** The verdict of comparing a backend's run with the cpu reference. */
export type SelfTestVerdict = { ok: true; detail: string } | { ok: false; reason: string };

/** Compares a candidate run with the reference run; says where and by how much they differ. */
export function compareSelfTest(reference: SelfTestRun, candidate: SelfTestRun): SelfTestVerdict {
  const tol = SELF_TEST_TOLERANCE;
  if (candidate.losses.length !== reference.losses.length) {
    return {
      ok: false,
      reason: `self-test ran ${candidate.losses.length} steps, expected ${reference.losses.length}`,
    };
  }
  let worstLoss = 0;
  for (let i = 0; i < reference.losses.length; i++) {
    const [r, c] = [reference.losses[i], candidate.losses[i]];
    const rel = Math.abs(c - r) / Math.max(Math.abs(r), 1e-6);
    if (!(rel <= tol.lossRelative)) {
      return {
        ok: false,
        reason: `self-test mismatch: loss at step ${i + 1} is ${c.toPrecision(6)}, cpu gives ${r.toPrecision(6)} (relative difference ${rel.toExponential(1)} > ${tol.lossRelative})`,
      };
    }
    worstLoss = Math.max(worstLoss, rel);
  }
  if (candidate.weights.length !== reference.weights.length) {
    return {
      ok: false,
      reason: `self-test returned ${candidate.weights.length} weight tensors, expected ${reference.weights.length}`,
    };
  }
  let worstWeight = 0;
  for (let t = 0; t < reference.weights.length; t++) {
    const [r, c] = [reference.weights[t], candidate.weights[t]];
    if (r.length !== c.length)
      return {
        ok: false,
        reason: `self-test weight tensor ${t} has ${c.length} values, expected ${r.length}`,
      };
    for (let j = 0; j < r.length; j++) {
      const d = Math.abs(r[j] - c[j]);
      if (!(d <= tol.weightAbsolute)) {
        return {
          ok: false,
          reason: `self-test mismatch: weight tensor ${t} value ${j} is ${c[j].toPrecision(6)} after training, cpu gives ${r[j].toPrecision(6)} (difference ${d.toExponential(1)} > ${tol.weightAbsolute})`,
        };
      }
      worstWeight = Math.max(worstWeight, d);
    }
  }
  return {
    ok: true,
    detail: `self-test passed: ${reference.losses.length} steps, loss within ${worstLoss.toExponential(1)} relative, weights within ${worstWeight.toExponential(1)} of cpu`,
  };
}
