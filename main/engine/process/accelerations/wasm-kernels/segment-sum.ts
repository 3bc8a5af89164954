import type * as tf from '@tensorflow/tfjs';
import { KernelScope, product, type KernelArgs } from './kernel-scope';

/**
 * UnsortedSegmentSum (missing from tfjs-backend-wasm 4.22; Embedding's gradient, through
 * Gather's): the native ScatterNd adds the updates of repeated indices, which is exactly a
 * segment sum. The ids reach it from Gather's forward pass, which has already checked them.
 */
export function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const x = args.inputs['x']!;
  const segmentIds = args.inputs['segmentIds']!;
  const numSegments = Number((args.attrs ?? {})['numSegments']);
  const idRank = segmentIds.shape.length;
  const rows = product(segmentIds.shape);
  const rowShape = x.shape.slice(idRank);
  return KernelScope.compose(args.backend, (s) => {
    const ids = segmentIds.dtype === 'int32' ? segmentIds : s.run('Cast', { x: segmentIds }, { dtype: 'int32' });
    return s.run(
      'ScatterNd',
      { indices: s.reshape(ids, [rows, 1]), updates: s.reshape(x, [rows, ...rowShape]) },
      { shape: [numSegments, ...rowShape] },
    );
  });
}
