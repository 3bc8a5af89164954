import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '../native/native-kernels';
import { KernelScope, product, type KernelArgs } from './kernel-scope';

const { backend_util } = tf;

type PoolInfo = ReturnType<typeof backend_util.computePool2DInfo>;

/**
 * Windows that tile the input without overlap or padding (pool size = stride, the usual 2×2/2):
 * view x as [N·oH·oW·C, fH·fW] windows, take each window's first maximum with the native
 * ArgMax, and send dy there with a one-hot product. Native kernels only, no scalar loop.
 */
function tiledMaxPoolGrad(s: KernelScope, dy: tf.TensorInfo, x: tf.TensorInfo, info: PoolInfo): tf.TensorInfo {
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: oH,
    outWidth: oW,
    filterHeight: fH,
    filterWidth: fW,
  } = info;
  const windows = oH * oW * C * N;
  const taps = fH * fW;
  const covered = s.slice(x, [0, 0, 0, 0], [N, oH * fH, oW * fW, C]);
  const grouped = s.transpose(s.reshape(covered, [N, oH, fH, oW, fW, C]), [0, 1, 3, 5, 2, 4]);
  const first = s.run('ArgMax', { x: s.reshape(grouped, [windows, taps]) }, { axis: 1 });
  // wasm's OneHot always writes int32 whatever dtype it is asked for: cast explicitly.
  const hot = s.run(
    'Cast',
    { x: s.run('OneHot', { indices: first }, { depth: taps, onValue: 1, offValue: 0, dtype: 'int32' }) },
    { dtype: 'float32' },
  );
  const routed = s.run('Multiply', { a: hot, b: s.reshape(dy, [windows, 1]) });
  const back = s.transpose(s.reshape(routed, [N, oH, oW, C, fH, fW]), [0, 1, 4, 2, 5, 3]);
  // Rows and columns past the last whole window (valid padding, odd sizes) get no gradient.
  return s.pad(s.reshape(back, [N, oH * fH, oW * fW, C]), [
    [0, 0],
    [0, H - oH * fH],
    [0, W - oW * fW],
    [0, 0],
  ]);
}

/**
 * Any other window (overlapping, padded): one tap at a time, a mask of "this tap holds the
 * window's maximum and no earlier tap did" routes dy, then each tap's share is spread back to
 * its input positions and the shares are added. More kernels, but it only runs for pool
 * shapes that are rare in practice, and it matches the cpu backend's first-maximum rule.
 */
function generalMaxPoolGrad(
  s: KernelScope,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
  y: tf.TensorInfo,
  info: PoolInfo,
): tf.TensorInfo {
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: oH,
    outWidth: oW,
    strideHeight: sH,
    strideWidth: sW,
    filterHeight: fH,
    filterWidth: fW,
  } = info;
  const { top, left } = info.padInfo;
  const Hp = Math.max(H + top, (oH - 1) * sH + fH);
  const Wp = Math.max(W + left, (oW - 1) * sW + fW);
  // Padding never wins a window: the cpu backend skips padded positions.
  const xp = s.pad(
    x,
    [
      [0, 0],
      [top, Hp - H - top],
      [left, Wp - W - left],
      [0, 0],
    ],
    -Infinity,
  );
  const zeros = s.run('ZerosLike', { x: dy });
  let taken: tf.TensorInfo | null = null;
  const shares: tf.TensorInfo[] = [];
  for (let kh = 0; kh < fH; kh++) {
    for (let kw = 0; kw < fW; kw++) {
      const tap = s.run(
        'StridedSlice',
        { x: xp },
        {
          begin: [0, kh, kw, 0],
          end: [N, kh + (oH - 1) * sH + 1, kw + (oW - 1) * sW + 1, C],
          strides: [1, sH, sW, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        },
      );
      const isMax = s.run('Equal', { a: tap, b: y });
      let wins = isMax;
      if (taken) {
        wins = s.run('LogicalAnd', { a: isMax, b: s.run('LogicalNot', { x: taken }) });
        taken = s.run('LogicalOr', { a: taken, b: isMax });
      } else {
        taken = isMax;
      }
      const share = s.run('Select', { condition: wins, t: dy, e: zeros });
      // Spread the share to stride 1, then shift it to this tap's place in the padded frame.
      const spread = s.reshape(
        s.pad(s.reshape(share, [N, oH, 1, oW, 1, C]), [
          [0, 0],
          [0, 0],
          [0, sH - 1],
          [0, 0],
          [0, sW - 1],
          [0, 0],
        ]),
        [N, oH * sH, oW * sW, C],
      );
      const h = Math.min(oH * sH, Hp - kh);
      const w = Math.min(oW * sW, Wp - kw);
      shares.push(
        s.pad(s.slice(spread, [0, 0, 0, 0], [N, h, w, C]), [
          [0, 0],
          [kh, Hp - kh - h],
          [kw, Wp - kw - w],
          [0, 0],
        ]),
      );
    }
  }
  const sum = shares.length === 1 ? shares[0]! : s.run('AddN', shares as unknown as tf.NamedTensorInfoMap); // AddN takes its inputs as a list;
  return s.slice(sum, [0, top, left, 0], [N, H, W, C]);
}

/**
 * MaxPoolGrad. Stock tfjs-backend-wasm 4.22 seeds its running maximum with the smallest
 * positive float instead of the lowest one, so a window whose values are all ≤ 0 sends its
 * gradient to the wrong place (harmless after ReLU, wrong after a linear conv); it is also a
 * scalar loop that took 40% of a CNN step. This replaces it for every pooling shape: with the
 * engine's own wasm kernel (one pass over the windows, ~20× faster than the compositions below
 * on the CNN's shapes) where it loaded, else with native tfjs kernels composed.
 */
/** A max pooling's geometry from its kernel attributes, as the cpu backend computes it. */
function poolInfo(x: tf.TensorInfo, args: KernelArgs): PoolInfo {
  const attrs = (args.attrs ?? {}) as Record<string, unknown>;
  return backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs['filterSize'] as [number, number],
    attrs['strides'] as [number, number],
    1,
    attrs['pad'] as 'same',
    attrs['dimRoundingMode'] as 'round' | undefined,
  );
}

export function createMaxPoolGrad(native: NativeKernels | null): tf.KernelFunc {
  return (args) => maxPoolGrad(args, native);
}

function maxPoolGrad(args: KernelArgs, native: NativeKernels | null): tf.TensorInfo {
  const dy = args.inputs['dy']!;
  const x = args.inputs['input']!;
  const y = args.inputs['output']!;
  const info = poolInfo(x, args);
  if (product(dy.shape) === 0) return KernelScope.compose(args.backend, (s) => s.run('ZerosLike', { x }));
  if (native && x.dtype === 'float32' && dy.dtype === 'float32') {
    const dx = native.output([...x.shape]);
    native.maxPoolGrad(dx, x, dy, info);
    return dx;
  }
  const { top, left, bottom, right } = info.padInfo;
  const tiled =
    info.filterHeight === info.strideHeight &&
    info.filterWidth === info.strideWidth &&
    top === 0 &&
    left === 0 &&
    bottom <= 0 &&
    right <= 0;
  return KernelScope.compose(args.backend, (s) =>
    tiled ? tiledMaxPoolGrad(s, dy, x, info) : generalMaxPoolGrad(s, dy, x, y, info),
  );
}

/**
 * MaxPool on the engine's CPU addon where it loaded (two threads, by images), else the stock
 * kernel (XNNPACK's, which the wasm build then runs on its own threads).
 */
export function createMaxPool(native: NativeKernels | null, stock: tf.KernelFunc): tf.KernelFunc {
  if (!native?.cpuGemm) return stock;
  return (args) => {
    const x = args.inputs['x']!;
    if (x.dtype !== 'float32' || x.shape.length !== 4 || product(x.shape) === 0) return stock(args);
    const info = poolInfo(x, args);
    if (info.outHeight <= 0 || info.outWidth <= 0) return stock(args);
    const y = native.output([info.batchSize, info.outHeight, info.outWidth, info.inChannels]);
    native.cpuMaxPool(y, x, info);
    return y;
  };
}
