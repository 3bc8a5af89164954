import * as tf from '@tensorflow/tfjs';

/**
 * tfjs records every op run under a gradient tape with the tensors its gradient needs, each saved
 * through Engine.clone: a full Identity kernel run plus a tape node of its own. An MLP step
 * saves ~36 of them; the kernels share buffers anyway (no tfjs kernel writes into its inputs),
 * so the dispatch, the extra tape nodes and the backward pass's filtering over them were pure
 * overhead (a kernel dispatch costs ~10 µs on wasm, whatever its size). This saves each tensor
 * as one more reference to its buffer — what the cpu backend's and our wasm Identity do —
 * without the kernel run and the tape node; likewise a custom gradient's saved tensors. The
 * engine's one in-place kernel (fused Adam) checks that a buffer has a single reference before
 * writing it.
 */
interface EngineInternals {
  state: { kernelDepth: number };
  backend: { incRef(dataId: object): void };
  clone(x: tf.Tensor): tf.Tensor;
  keep<T extends tf.Tensor>(t: T): T;
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
}

const SHAREABLE = new Set(['float32', 'int32', 'bool']);
let installed = false;

export function installLeanTapeSaves(): void {
  if (installed) return;
  const engine = tf.engine() as unknown as EngineInternals;
  const share = (t: tf.Tensor) => {
    engine.backend.incRef(t.dataId);
    return engine.makeTensorFromTensorInfo({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
  };
  const stockSave = engine.saveTensorsForBackwardMode.bind(engine);
  engine.saveTensorsForBackwardMode = (tensors: tf.Tensor[]) => {
    if (!tensors.every((t) => SHAREABLE.has(t.dtype))) return stockSave(tensors);
    return tensors.map((t) => engine.keep(share(t)));
  };
  // A custom gradient's saved tensors are cloned inside its kernel (kernelDepth > 0), where no
  // op is recorded: the clone's own tape node can never be used there. tf.clone elsewhere keeps
  // its recorded gradient.
  const stockClone = engine.clone.bind(engine);
  engine.clone = (x: tf.Tensor) => (engine.state.kernelDepth > 0 && SHAREABLE.has(x.dtype) ? share(x) : stockClone(x));
  installed = true;
}
