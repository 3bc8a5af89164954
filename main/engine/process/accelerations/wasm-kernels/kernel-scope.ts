import * as tf from '@tensorflow/tfjs';

/** The part of tfjs-backend-wasm's backend a composed kernel needs. */
export interface WasmBackendLike {
  disposeData(dataId: object): unknown;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];
type Attrs = Record<string, unknown>;

/**
 * A composed kernel calls the wasm backend's own kernel functions directly: no engine, no tape,
 * no tensors, so it runs inside another kernel (a gradient) without recording anything. The
 * kernels are looked up on every call so a composed kernel uses the patched matmuls too.
 */
export function wasmKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`the wasm ${name} kernel is not registered`);
  return config.kernelFunc;
}

/**
 * Runs wasm kernels and frees every intermediate they produce. No Tensor owns a kernel's
 * intermediates, so nothing else would free them; `keep` marks the one result handed back.
 */
export class KernelScope {
  private readonly temps: tf.TensorInfo[] = [];

  constructor(readonly backend: object) {}

  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: Attrs = {}): tf.TensorInfo {
    const out = wasmKernel(name)({ inputs, attrs: attrs as tf.NamedAttrMap, backend: this.backend });
    const outs = Array.isArray(out) ? out : [out];
    this.temps.push(...outs);
    return outs[0]!;
  }

  /** Every output of a multi-output kernel, all freed with the scope unless kept. */
  runAll(name: string, inputs: tf.NamedTensorInfoMap, attrs: Attrs = {}): tf.TensorInfo[] {
    const out = wasmKernel(name)({ inputs, attrs: attrs as tf.NamedAttrMap, backend: this.backend });
    const outs = Array.isArray(out) ? out : [out];
    this.temps.push(...outs);
    return outs;
  }

  reshape(x: tf.TensorInfo, shape: readonly number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape: [...shape] });
  }

  transpose(x: tf.TensorInfo, perm: readonly number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm: [...perm] });
  }

  /** PadV2 with zeros; the identity paddings are skipped. */
  pad(x: tf.TensorInfo, paddings: ReadonlyArray<readonly [number, number]>, constantValue = 0): tf.TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings: paddings.map((p) => [...p]), constantValue });
  }

  slice(x: tf.TensorInfo, begin: readonly number[], size: readonly number[]): tf.TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin: [...begin], size: [...size] });
  }

  /** Hands `result` out of the scope; an input passed through gets its own reference. */
  private keep(result: tf.TensorInfo): tf.TensorInfo {
    const owned = this.temps.includes(result) ? result : this.run('Identity', { x: result });
    this.temps.splice(this.temps.indexOf(owned), 1);
    return owned;
  }

  private dispose(): void {
    const backend = this.backend as WasmBackendLike;
    for (const t of this.temps) backend.disposeData(t.dataId);
    this.temps.length = 0;
  }

  /** Runs `body` in a fresh scope and returns its result; everything else it made is freed. */
  static compose(backend: object, body: (scope: KernelScope) => tf.TensorInfo): tf.TensorInfo {
    const scope = new KernelScope(backend);
    try {
      return scope.keep(body(scope));
    } finally {
      scope.dispose();
    }
  }
}

export const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** A 2-number attribute given as one number or a pair, as tfjs accepts for strides. */
export function pair(value: unknown, what: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number'))
    return [value[0] as number, value[1] as number];
  throw new Error(`expected ${what} as a number or two numbers, got ${JSON.stringify(value)}`);
}
