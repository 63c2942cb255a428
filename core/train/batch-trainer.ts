/**
 * One model and its optimizer, trained a batch at a time from plain arrays: what a GPU engine page
 * holds between requests. Browser-safe (tfjs only, no Node): the engine page bundles it, and Node
 * runs the same code on the cpu backend as the reference the page's results are checked against.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildModel, setWeights } from '../model/build.ts';
import type { ModelSpec } from '../model/spec.ts';
import { fastStep, planFromModel, type StepPlan } from './fast-step.ts';

/** Adam's epsilon: tfjs's default (the backend's 1e-7) unless a caller damps it (the self-test). */
export interface TrainerOptions {
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  adamEpsilon?: number;
}

/** A model of `spec` with a hand-written training step and an optimizer. */
export class BatchTrainer {
  readonly spec: ModelSpec;
  private readonly model: LayersModel;
  private readonly plan: StepPlan;
  private readonly vars: tf.Variable[];
  private optimizer: tf.Optimizer | null = null;
  private adam = false;

  constructor(spec: ModelSpec) {
    this.spec = spec;
    this.model = buildModel(spec);
    const plan = planFromModel(this.model);
    if (plan === null) {
      this.model.dispose();
      throw new Error(
        `model '${spec.name}' has a layer the GPU engine cannot train (conv/pool/flatten/dense/dropout with softmax last only)`,
      );
    }
    this.plan = plan;
    this.vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Loads weights (manifest order) and starts a fresh optimizer; returns the parameter count. */
  load(weights: Float32Array[], opts: TrainerOptions): number {
    setWeights(this.model, weights);
    this.optimizer?.dispose();
    this.adam = opts.optimizer === 'adam';
    this.optimizer = this.adam
      ? tf.train.adam(opts.learningRate, 0.9, 0.999, opts.adamEpsilon)
      : tf.train.sgd(opts.learningRate);
    return weights.reduce((n, w) => n + w.length, 0);
  }

  private batch(images: Float32Array, labels: Int32Array): { xs: tf.Tensor4D; ys: tf.Tensor1D } {
    const [h, w, c] = this.spec.inputShape;
    const per = h * w * c;
    if (labels.length === 0 || images.length !== labels.length * per) {
      throw new Error(
        `batch: ${images.length} pixel values for ${labels.length} labels of shape [${this.spec.inputShape}]`,
      );
    }
    const bad = labels.findIndex((l) => l < 0 || l >= this.spec.numClasses);
    if (bad >= 0) throw new Error(`batch: label ${labels[bad]} is outside 0..${this.spec.numClasses - 1}`);
    return { xs: tf.tensor4d(images, [labels.length, h, w, c]), ys: tf.tensor1d(labels, 'int32') };
  }

  /** One optimizer step on a batch; returns its mean loss and the number classified right. */
  async train(
    images: Float32Array,
    labels: Int32Array,
    learningRate: number,
    seed: number,
  ): Promise<{ loss: number; correct: number }> {
    const optimizer = this.optimizer;
    if (optimizer === null) throw new Error('train: load weights first');
    if (this.adam) (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
    else (optimizer as tf.SGDOptimizer).setLearningRate(learningRate);
    const { xs, ys } = this.batch(images, labels);
    const out = fastStep(this.plan, xs, ys, this.spec.numClasses, seed);
    optimizer.applyGradients(out.grads as unknown as Record<string, tf.Variable>);
    const [loss, correct] = [(await out.loss.data())[0], (await out.correct.data())[0]];
    tf.dispose([xs, ys, out.loss, out.correct, ...Object.values(out.grads)]);
    return { loss, correct };
  }

  /** Loss and every weight gradient (manifest order) of a batch, without changing the weights. */
  async gradients(
    images: Float32Array,
    labels: Int32Array,
  ): Promise<{ loss: number; grads: Float32Array[] }> {
    const { xs, ys } = this.batch(images, labels);
    const out = fastStep(this.plan, xs, ys, this.spec.numClasses, 0);
    const grads = await Promise.all(
      this.vars.map(async (v) => new Float32Array(await (out.grads[v.name] as tf.Tensor).data())),
    );
    const loss = (await out.loss.data())[0];
    tf.dispose([xs, ys, out.loss, out.correct, ...Object.values(out.grads)]);
    return { loss, grads };
  }

  /** The current weights in manifest order (copies; read asynchronously, which GPU backends need). */
  async weights(): Promise<Float32Array[]> {
    // getWeights returns the variables themselves: copy, never dispose them.
    return Promise.all(this.model.getWeights().map(async (t) => new Float32Array(await t.data())));
  }

  /** Frees the model's and the optimizer's tensors. */
  dispose(): void {
    this.optimizer?.dispose();
    this.model.dispose();
  }
}
