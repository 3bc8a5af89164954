import type * as tf from '@tensorflow/tfjs';
import { conv2dInfo } from './conv-filter-grad';
import { spreadForInputGrad } from './input-grad-layout';
import { KernelScope, type KernelArgs } from './kernel-scope';

/**
 * Conv2DBackpropInput as one native Conv2D: dy spread to stride 1, correlated with the filter
 * reversed in space and with its in/out channels swapped. Stock tfjs-backend-wasm 4.22 runs a
 * scalar C++ loop here, about 10× slower than XNNPACK on a CNN's shapes (docs/architecture.md, Engine accelerations).
 */
export function conv2dBackpropInput(args: KernelArgs): tf.TensorInfo {
  const dy = args.inputs['dy']!;
  const filter = args.inputs['filter']!;
  const attrs = (args.attrs ?? {}) as Record<string, unknown>;
  const inputShape = attrs['inputShape'] as [number, number, number, number];
  const info = conv2dInfo(inputShape, filter.shape, attrs, 'Conv2DBackpropInput');
  return KernelScope.compose(args.backend, (s) => {
    const { spread, pad } = spreadForInputGrad(s, dy, info);
    const reversed = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = s.transpose(reversed, [0, 1, 3, 2]);
    return s.run(
      'Conv2D',
      { x: spread, filter: swapped },
      { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
    );
  });
}
