import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectWasmMatchesCpu, randomTensor, useWasmWithFixes, valueAndGrads } from './wasm-compare';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

beforeAll(useWasmWithFixes);

describe('wasm kernels the engine registers match the cpu backend (relative error ≤ 1e-4)', () => {
  const conv2dCases: Array<{ x: number[]; f: number[]; strides: number | [number, number]; pad: Pad }> = [
    { x: [3, 9, 9, 2], f: [3, 3, 2, 4], strides: 1, pad: 'valid' },
    { x: [3, 9, 9, 2], f: [3, 3, 2, 4], strides: 1, pad: 'same' },
    { x: [2, 12, 12, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
    { x: [2, 11, 11, 3], f: [5, 5, 3, 2], strides: 2, pad: 'valid' },
    { x: [2, 10, 9, 3], f: [3, 2, 3, 4], strides: [2, 3], pad: 'same' },
    { x: [2, 7, 7, 3], f: [1, 1, 3, 4], strides: 1, pad: 'valid' },
    // Few input channels into a multiple of 16 (a first layer): the filter gradient without im2col.
    { x: [3, 9, 9, 1], f: [3, 3, 1, 16], strides: 1, pad: 'same' },
    { x: [2, 12, 11, 3], f: [3, 3, 3, 32], strides: 2, pad: 'same' },
    { x: [2, 10, 10, 3], f: [5, 4, 3, 16], strides: [2, 3], pad: 'valid' },
    { x: [2, 8, 7, 4], f: [2, 3, 4, 16], strides: 1, pad: 'valid' },
    {
      x: [2, 10, 10, 2],
      f: [3, 3, 2, 3],
      strides: 2,
      pad: [
        [0, 0],
        [1, 2],
        [0, 1],
        [0, 0],
      ],
    },
  ];
  it.each(conv2dCases)('conv2d x$x f$f strides $strides pad $pad: output, dx, dW', async ({ x, f, strides, pad }) => {
    await expectWasmMatchesCpu('conv2d', () =>
      valueAndGrads([randomTensor(x, 1), randomTensor(f, 2)], (xt, ft) =>
        tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, strides, pad),
      ),
    );
  });

  it('conv2d with bias and relu (the fused kernel layers use)', async () => {
    await expectWasmMatchesCpu('fused conv2d', () =>
      valueAndGrads([randomTensor([2, 8, 8, 3], 1), randomTensor([3, 3, 3, 4], 2), randomTensor([4], 3)], (xt, ft, b) =>
        tf.fused.conv2d({
          x: xt as tf.Tensor4D,
          filter: ft as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: b,
          activation: 'relu',
        }),
      ),
    );
  });

  it.each([
    { stride: 1, pad: 'valid' as const },
    { stride: 2, pad: 'same' as const },
  ])('conv1d stride $stride pad $pad: output, dx, dW', async ({ stride, pad }) => {
    await expectWasmMatchesCpu('conv1d', () =>
      valueAndGrads([randomTensor([3, 15, 2], 1), randomTensor([3, 2, 4], 2)], (xt, ft) =>
        tf.conv1d(xt as tf.Tensor3D, ft as tf.Tensor3D, stride, pad),
      ),
    );
  });

  it('dilated convolutions: the forward pass matches; tfjs 4.22 refuses their gradient on every backend', async () => {
    const dilated = (xt: tf.Tensor, ft: tf.Tensor) =>
      tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'same', 'NHWC', 2);
    await expectWasmMatchesCpu('dilated conv2d', () => [
      dilated(randomTensor([2, 9, 9, 2], 1), randomTensor([3, 3, 2, 3], 2)),
    ]);
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      expect(() =>
        tf.tidy(() => valueAndGrads([randomTensor([1, 6, 6, 1], 1), randomTensor([3, 3, 1, 1], 2)], dilated)),
      ).toThrow(/dilation rates greater than 1 are not yet supported in gradients/);
    }
  });

  it.each([
    { x: [2, 8, 8, 3], f: [3, 3, 3, 1], strides: 1, pad: 'valid' as Pad },
    { x: [2, 8, 8, 3], f: [3, 3, 3, 2], strides: 1, pad: 'same' as Pad },
    { x: [2, 12, 12, 4], f: [3, 3, 4, 3], strides: 2, pad: 'same' as Pad },
    { x: [2, 11, 11, 2], f: [5, 5, 2, 1], strides: 2, pad: 'valid' as Pad },
    { x: [2, 9, 10, 2], f: [3, 3, 2, 2], strides: [1, 2] as [number, number], pad: 'same' as Pad },
  ])('depthwise conv2d x$x f$f strides $strides pad $pad: output, dx, dW', async ({ x, f, strides, pad }) => {
    await expectWasmMatchesCpu('depthwise', () =>
      valueAndGrads([randomTensor(x, 1), randomTensor(f, 2)], (xt, ft) =>
        tf.depthwiseConv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, strides, pad as 'same'),
      ),
    );
  });

  it('separable conv2d: output and the three gradients', async () => {
    await expectWasmMatchesCpu('separable', () =>
      valueAndGrads(
        [randomTensor([2, 9, 9, 3], 1), randomTensor([3, 3, 3, 2], 2), randomTensor([1, 1, 6, 4], 3)],
        (xt, dw, pw) => tf.separableConv2d(xt as tf.Tensor4D, dw as tf.Tensor4D, pw as tf.Tensor4D, 2, 'same'),
      ),
    );
  });

  it.each([
    { stride: 1, pad: 'same' as const, out: [2, 7, 7, 2] },
    { stride: 2, pad: 'same' as const, out: [2, 10, 10, 2] },
    { stride: 2, pad: 'valid' as const, out: [2, 11, 11, 2] },
  ])('conv2dTranspose stride $stride pad $pad: output, dx, dW', async ({ stride, pad, out }) => {
    const inH = stride === 1 ? 7 : 5;
    await expectWasmMatchesCpu('conv2dTranspose', () =>
      valueAndGrads([randomTensor([2, inH, inH, 3], 1), randomTensor([3, 3, 2, 3], 2)], (xt, ft) =>
        tf.conv2dTranspose(xt as tf.Tensor4D, ft as tf.Tensor4D, out as [number, number, number, number], stride, pad),
      ),
    );
  });

  const poolCases = [
    { label: '2×2/2 valid', x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid' as const },
    { label: '2×2/2 valid, odd size', x: [2, 7, 9, 2], size: 2, stride: 2, pad: 'valid' as const },
    { label: '2×2/2 same, odd size', x: [2, 7, 7, 2], size: 2, stride: 2, pad: 'same' as const },
    { label: '3×3/2 same (overlapping)', x: [2, 9, 9, 3], size: 3, stride: 2, pad: 'same' as const },
    { label: '3×3/1 same', x: [1, 6, 6, 2], size: 3, stride: 1, pad: 'same' as const },
    { label: '2×2/1 valid', x: [2, 6, 6, 2], size: 2, stride: 1, pad: 'valid' as const },
  ];
  it.each(poolCases)(
    'max pooling $label: output and dx, mixed-sign and all-negative inputs',
    async ({ x, size, stride, pad }) => {
      const pool = (xt: tf.Tensor) => tf.maxPool(xt as tf.Tensor4D, size, stride, pad);
      await expectWasmMatchesCpu('maxPool', () => valueAndGrads([randomTensor(x, 1)], pool));
      // Every window ≤ 0: stock wasm 4.22 routes these gradients to the wrong positions.
      await expectWasmMatchesCpu('maxPool, all negative', () => valueAndGrads([randomTensor(x, 2, -3, -0.5)], pool));
    },
  );

  it('max pooling with tied maxima sends the gradient to the first one, as cpu does', async () => {
    // After a ReLU, windows of zeros tie everywhere.
    const tied = () => tf.tensor4d([0, 0, 1, 1, 0, 0, 1, 1, -1, 2, 2, -1, 2, 2, 0, 0], [1, 4, 4, 1]);
    await expectWasmMatchesCpu('maxPool ties, tiled', () =>
      valueAndGrads([tied()], (xt) => tf.maxPool(xt as tf.Tensor4D, 2, 2, 'valid')),
    );
    await expectWasmMatchesCpu('maxPool ties, overlapping', () =>
      valueAndGrads([tied()], (xt) => tf.maxPool(xt as tf.Tensor4D, 3, 1, 'same')),
    );
  });

  it.each(poolCases)('average pooling $label: output and dx', async ({ x, size, stride, pad }) => {
    await expectWasmMatchesCpu('avgPool', () =>
      valueAndGrads([randomTensor(x, 1)], (xt) => tf.avgPool(xt as tf.Tensor4D, size, stride, pad)),
    );
  });

  it('gather (embedding lookups) with repeated ids: output and the table gradient (UnsortedSegmentSum)', async () => {
    const ids = [3, 1, 3, 0, 7, 3, 1, 9, 9, 2, 0, 3];
    await expectWasmMatchesCpu('gather', () =>
      valueAndGrads([randomTensor([10, 4], 1)], (table) => tf.gather(table, tf.tensor2d(ids, [3, 4], 'int32'))),
    );
    await expectWasmMatchesCpu('unsortedSegmentSum', () => [
      tf.unsortedSegmentSum(randomTensor([12, 3], 2), tf.tensor1d(ids, 'int32'), 11),
    ]);
  });

  it('matmuls with transposes and a batch (the patched BatchMatMul and _FusedMatMul)', async () => {
    await expectWasmMatchesCpu('matMul', () =>
      valueAndGrads([randomTensor([3, 5, 4], 1), randomTensor([3, 6, 5], 2), randomTensor([6], 3)], (a, b, bias) =>
        tf.fused.matMul({
          a: a as tf.Tensor3D,
          b: b as tf.Tensor3D,
          transposeA: true,
          transposeB: true,
          bias,
          activation: 'relu',
        }),
      ),
    );
  });
});

describe("'same' padding of the forward convolutions (stock wasm 4.22 is wrong for some filter/stride pairs)", () => {
  const shapes: Array<[number, number, number, number]> = [];
  for (const fh of [1, 2, 3])
    for (const fw of [1, 2]) for (const sh of [1, 2, 3]) for (const sw of [2, 3]) shapes.push([fh, fw, sh, sw]);
  it('conv2d, fused conv2d, depthwise and fused depthwise match cpu for every filter 1-3×1-2 and stride 1-3×2-3', async () => {
    for (const [fh, fw, sh, sw] of shapes) {
      const label = `filter ${fh}×${fw} stride ${sh}×${sw}`;
      await expectWasmMatchesCpu(label, () => {
        const x = randomTensor([2, 10, 9, 2], 1) as tf.Tensor4D;
        const f = randomTensor([fh, fw, 2, 3], 2) as tf.Tensor4D;
        const dw = randomTensor([fh, fw, 2, 2], 3) as tf.Tensor4D;
        const bias = randomTensor([3], 4);
        // Few input channels into 16: the engine's own first-layer convolution, edges and all.
        const f16 = randomTensor([fh, fw, 2, 16], 6) as tf.Tensor4D;
        const bias16 = randomTensor([16], 7);
        return [
          tf.conv2d(x, f, [sh, sw], 'same'),
          tf.fused.conv2d({ x, filter: f, strides: [sh, sw], pad: 'same', bias, activation: 'relu' }),
          tf.conv2d(x, f16, [sh, sw], 'same'),
          tf.conv2d(x, f16, [sh, sw], 'valid'),
          tf.fused.conv2d({ x, filter: f16, strides: [sh, sw], pad: 'same', bias: bias16, activation: 'relu' }),
          tf.depthwiseConv2d(x, dw, [sh, sw], 'same'),
          tf.fused.depthwiseConv2d({
            x,
            filter: dw,
            strides: [sh, sw],
            pad: 'same',
            bias: randomTensor([4], 5),
            activation: 'relu',
          }),
        ];
      });
    }
  });
});
