import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelArgs } from './kernel-scope';

const { backend_util } = tf;

/** The forward convolution's geometry, NHWC only (tfjs-layers transposes NCHW before convolving). */
export function conv2dInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Record<string, unknown>,
  kernel: string,
) {
  const dataFormat = backend_util.convertConv2DDataFormat(
    (attrs['dataFormat'] as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC',
  );
  if (dataFormat !== 'channelsLast')
    throw new Error(`${kernel} on wasm supports NHWC (channels last) only, got ${String(attrs['dataFormat'])}`);
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as [number, number],
    1,
    attrs['pad'] as 'same',
    attrs['dimRoundingMode'] as 'round' | undefined,
    false,
    dataFormat,
  );
}

/**
 * Conv2DBackpropFilter, which tfjs-backend-wasm 4.22 lacks (every Conv1D/Conv2D needs it to
 * train): dW[kh,kw,c,o] = Σ_{n,i,j} xpad[n, i·s+kh, j·s+kw, c] · dy[n,i,j,o].
 * Read with the batch as channels, that sum is itself a convolution: x transposed to
 * [C,H,W,N] as the image, dy transposed to [oH,oW,N,O] as the filter, the forward stride as
 * its dilation. One native (XNNPACK) Conv2D and three Transposes, no scalar loop.
 */
export function conv2dBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs['x']!;
  const dy = args.inputs['dy']!;
  const attrs = (args.attrs ?? {}) as Record<string, unknown>;
  const filterShape = attrs['filterShape'] as [number, number, number, number];
  const info = conv2dInfo(x.shape, filterShape, attrs, 'Conv2DBackpropFilter');
  const {
    outHeight: oH,
    outWidth: oW,
    strideHeight: sH,
    strideWidth: sW,
    filterHeight: fH,
    filterWidth: fW,
    inHeight: H,
    inWidth: W,
  } = info;
  const { top, left } = info.padInfo;
  return KernelScope.compose(args.backend, (s) => {
    const image = s.transpose(x, [3, 1, 2, 0]);
    const filter = s.transpose(dy, [1, 2, 0, 3]);
    // Pad only as far as the last tap reaches: rows of forward padding beyond it meet no dy.
    const bottom = Math.max(0, fH - 1 + (oH - 1) * sH + 1 - top - H);
    const right = Math.max(0, fW - 1 + (oW - 1) * sW + 1 - left - W);
    const full = s.run(
      'Conv2D',
      { x: image, filter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [sH, sW],
        dimRoundingMode: undefined,
      },
    );
    const taps = s.slice(full, [0, 0, 0, 0], [full.shape[0]!, fH, fW, full.shape[3]!]);
    return s.transpose(taps, [1, 2, 0, 3]);
  });
}
