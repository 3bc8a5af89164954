import * as tf from '@tensorflow/tfjs';
import { spreadForInputGrad } from './input-grad-layout';
import { KernelScope, type KernelArgs } from './kernel-scope';

const { backend_util } = tf;

function depthwiseInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Record<string, unknown>,
  kernel: string,
) {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as [number, number],
    (attrs['dilations'] as [number, number] | undefined) ?? 1,
    attrs['pad'] as 'same',
    attrs['dimRoundingMode'] as 'round' | undefined,
    true,
  );
  // tfjs' own gradient refuses dilations > 1 before reaching here; a direct call gets a reason.
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1)
    throw new Error(`${kernel} on wasm supports dilation 1 only, got [${info.dilationHeight}, ${info.dilationWidth}]`);
  return info;
}

/**
 * DepthwiseConv2dNativeBackpropFilter (missing from tfjs-backend-wasm 4.22):
 * dW[kh,kw,c,m] = Σ_{n,i,j} xpad[n, i·s+kh, j·s+kw, c] · dy[n,i,j,c·M+m].
 * Folding the batch into the channels turns it into one native depthwise convolution: x as a
 * single image [1,H,W,N·C], dy as an [oH,oW,N·C,M] filter dilated by the stride, then a sum
 * over the batch.
 */
export function depthwiseBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs['x']!;
  const dy = args.inputs['dy']!;
  const attrs = (args.attrs ?? {}) as Record<string, unknown>;
  const filterShape = attrs['filterShape'] as [number, number, number, number];
  const info = depthwiseInfo(x.shape, filterShape, attrs, 'DepthwiseConv2dNativeBackpropFilter');
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
  const M = filterShape[3];
  const { top, left } = info.padInfo;
  return KernelScope.compose(args.backend, (s) => {
    const image = s.reshape(s.transpose(x, [1, 2, 0, 3]), [1, H, W, N * C]);
    const filter = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [oH, oW, N * C, M]);
    const bottom = Math.max(0, fH - 1 + (oH - 1) * sH + 1 - top - H);
    const right = Math.max(0, fW - 1 + (oW - 1) * sW + 1 - left - W);
    const full = s.run(
      'DepthwiseConv2dNative',
      { x: image, filter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dilations: [sH, sW],
        dimRoundingMode: undefined,
      },
    );
    const taps = s.reshape(s.slice(full, [0, 0, 0, 0], [1, fH, fW, N * C * M]), [fH, fW, N, C * M]);
    const summed = s.run('Sum', { x: taps }, { axis: [2], keepDims: false });
    return s.reshape(summed, filterShape);
  });
}

/**
 * DepthwiseConv2dNativeBackpropInput (missing from tfjs-backend-wasm 4.22): dy spread to stride
 * 1 and correlated, channel by channel, with the spatially reversed filter (one native
 * depthwise convolution), then summed over the channel multiplier.
 */
export function depthwiseBackpropInput(args: KernelArgs): tf.TensorInfo {
  const dy = args.inputs['dy']!;
  const filter = args.inputs['filter']!;
  const attrs = (args.attrs ?? {}) as Record<string, unknown>;
  const inputShape = attrs['inputShape'] as [number, number, number, number];
  const info = depthwiseInfo(inputShape, filter.shape, attrs, 'DepthwiseConv2dNativeBackpropInput');
  const [fH, fW, C, M] = filter.shape as [number, number, number, number];
  const [N, H, W] = inputShape;
  return KernelScope.compose(args.backend, (s) => {
    const { spread, pad } = spreadForInputGrad(s, dy, info);
    const reversed = s.reshape(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [fH, fW, C * M, 1]);
    const perChannel = s.run(
      'DepthwiseConv2dNative',
      { x: spread, filter: reversed },
      { strides: [1, 1], pad, dilations: [1, 1], dimRoundingMode: undefined },
    );
    if (M === 1) return perChannel;
    return s.run('Sum', { x: s.reshape(perChannel, [N, H, W, C, M]) }, { axis: [4], keepDims: false });
  });
}
