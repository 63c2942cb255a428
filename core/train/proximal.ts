/**
 * FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous Networks", eq. 2): each
 * participant minimizes its loss plus μ/2‖w − w_global‖², which keeps label-skewed owners from
 * drifting far from the round's global model. The term's gradient, μ(w − w_global), is added to
 * every weight's data gradient, so it works the same for the hand-written and the autodiff step.
 */
import * as tf from '@tensorflow/tfjs-core';

/** μ/2 · Σ‖w − anchor‖² over the variables (the proximal term itself; reported loss leaves it out). */
export function proximalLoss(vars: tf.Tensor[], anchor: tf.Tensor[], mu: number): tf.Scalar {
  return tf.tidy(() => {
    let sum: tf.Scalar = tf.scalar(0);
    vars.forEach((v, i) => {
      sum = tf.add(sum, tf.sum(tf.square(tf.sub(v, anchor[i])))) as tf.Scalar;
    });
    return tf.mul(sum, mu / 2) as tf.Scalar;
  });
}

/**
 * Adds μ(w − anchor) to each variable's gradient (keyed by variable name); the replaced gradient
 * tensors are disposed. Gradients of variables not in `vars` are left as they are.
 */
export function addProximalGradients(
  grads: Record<string, tf.Tensor>,
  vars: tf.Variable[],
  anchor: tf.Tensor[],
  mu: number,
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = { ...grads };
  vars.forEach((v, i) => {
    const g = grads[v.name];
    if (g === undefined) return;
    out[v.name] = tf.tidy(() => tf.add(g, tf.mul(tf.sub(v, anchor[i]), mu)));
    g.dispose();
  });
  return out;
}
