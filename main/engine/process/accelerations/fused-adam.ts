import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from './native/native-kernels';

interface Slot {
  originalName: string;
  variable: tf.Variable;
}
/** AdamOptimizer's private state (tfjs-core 4.22), which this subclass keeps using as is. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<Slot | undefined>;
  accumulatedSecondMoment: Array<Slot | undefined>;
}

/**
 * tfjs' Adam with each variable's update done by one wasm kernel (native/kernels.wat, `adam`)
 * instead of ~12 kernels and 5 temporary tensors per variable: on the MLP that was over 100 of
 * a step's ~200 kernel calls. The arithmetic is tfjs' own, op for op in float32, so the numbers
 * are the stock optimizer's; the slots, getWeights/setWeights and therefore checkpoints are
 * unchanged. The moments are updated in place; the weights go to a fresh buffer assigned to the
 * variable, because tfjs-backend-wasm's XNNPACK operators cache their packed weights by buffer
 * (a conv whose filter changed in place would keep convolving with the old one). Where an
 * in-place update would be unsafe (a buffer shared with another tensor, a gradient of another
 * shape) the step is left to the stock code.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  constructor(
    learningRate: number,
    private readonly native: NativeKernels,
  ) {
    super(learningRate, 0.9, 0.999);
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const state = this as unknown as AdamState;
    const list = Array.isArray(variableGradients);
    const names = list ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const steps: Array<{ value: tf.Variable; m: tf.Variable; v: tf.Variable; gradient: tf.Tensor }> = [];
    let fusable = true;
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name]!;
      // The slots, created as the stock optimizer creates them (index i, zeros, not trainable).
      state.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      state.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      const gradient = list ? variableGradients[i]!.tensor : variableGradients[name];
      if (gradient == null) return;
      const m = state.accumulatedFirstMoment[i].variable;
      const v = state.accumulatedSecondMoment[i].variable;
      const sameShape = tf.util.arraysEqual(gradient.shape, value.shape);
      const float = [value, m, v, gradient].every((t) => t.dtype === 'float32');
      if (!sameShape || !float || ![m, v].every((t) => this.native.ownsBuffer(t))) fusable = false;
      steps.push({ value, m, v, gradient });
    });
    if (!fusable || !this.native.ownsBuffer(state.accBeta1) || !this.native.ownsBuffer(state.accBeta2)) {
      super.applyGradients(variableGradients);
      return;
    }
    const accBeta1 = this.native.scalar(state.accBeta1);
    const accBeta2 = this.native.scalar(state.accBeta2);
    const step = {
      beta1: this.beta1,
      beta2: this.beta2,
      // tfjs forms 1 - β^t as a float32 subtraction on a tensor: the double result rounded once.
      oneMinusAccBeta1: Math.fround(1 - accBeta1),
      oneMinusAccBeta2: Math.fround(1 - accBeta2),
      epsilon: this.epsilon,
      learningRate: this.learningRate,
    };
    for (const s of steps) {
      const next = tf.engine().makeTensorFromTensorInfo(this.native.output([...s.value.shape]));
      this.native.adam(s.value, next, s.m, s.v, s.gradient, s.value.size, step);
      s.value.assign(next);
      next.dispose();
    }
    this.native.setScalar(state.accBeta1, Math.fround(accBeta1 * Math.fround(this.beta1)));
    this.native.setScalar(state.accBeta2, Math.fround(accBeta2 * Math.fround(this.beta2)));
    this.incrementIterations();
  }
}
