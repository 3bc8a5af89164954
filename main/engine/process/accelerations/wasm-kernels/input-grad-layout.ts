import type * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope';

/** What an input gradient needs to know about its forward convolution. */
export interface ConvGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  filterHeight: number;
  filterWidth: number;
  padInfo: { top: number; left: number };
}

type Side = { crop: [number, number]; pad: [number, number] };

/**
 * One spatial axis of an input gradient: dx[h] = Σ_k D[h + top - k] · w[k], with D the gradient
 * zero-inserted to stride 1. With the filter reversed that is a VALID stride-1 correlation over
 * D padded by fH-1-top before and by H+top-len(D) after; either may be negative (then D is
 * cropped instead). `length` is the zero-inserted length actually materialised.
 */
function side(length: number, meaningful: number, inSize: number, filter: number, padBefore: number): Side {
  const before = filter - 1 - padBefore;
  const after = inSize + padBefore - meaningful - (length - meaningful);
  return { crop: [Math.max(0, -before), Math.max(0, -after)], pad: [Math.max(0, before), Math.max(0, after)] };
}

/**
 * dy [N,oH,oW,C] spread back to stride 1 (zeros between rows and columns, one native PadV2 on a
 * 6-d view) and the explicit padding that makes a VALID correlation with the reversed
 * fH×fW filter return exactly H×W. Used by Conv2DBackpropInput and its depthwise twin.
 */
export function spreadForInputGrad(
  s: KernelScope,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): { spread: tf.TensorInfo; pad: [[0, 0], [number, number], [number, number], [0, 0]] } {
  const { batchSize: N, outHeight: oH, outWidth: oW, strideHeight: sH, strideWidth: sW } = g;
  const C = dy.shape[3]!;
  let spread = dy;
  if (sH > 1 || sW > 1) {
    const view = s.reshape(dy, [N, oH, 1, oW, 1, C]);
    const padded = s.pad(view, [
      [0, 0],
      [0, 0],
      [0, sH - 1],
      [0, 0],
      [0, sW - 1],
      [0, 0],
    ]);
    spread = s.reshape(padded, [N, oH * sH, oW * sW, C]);
  }
  const rows = side(oH * sH, (oH - 1) * sH + 1, g.inHeight, g.filterHeight, g.padInfo.top);
  const cols = side(oW * sW, (oW - 1) * sW + 1, g.inWidth, g.filterWidth, g.padInfo.left);
  const h = spread.shape[1]!;
  const w = spread.shape[2]!;
  spread = s.slice(
    spread,
    [0, rows.crop[0], cols.crop[0], 0],
    [N, h - rows.crop[0] - rows.crop[1], w - cols.crop[0] - cols.crop[1], C],
  );
  return { spread, pad: [[0, 0], rows.pad, cols.pad, [0, 0]] };
}
