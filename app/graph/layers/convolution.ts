import { z } from 'zod';
import { formatSampleShape, sampleShape, type SampleShape } from '../shape';
import {
  Activation,
  Initializer,
  KERNEL_DEFAULTS,
  kernelSettings,
  needsRank,
  noInput,
  Padding,
  pair,
  positiveInt,
  Regularizer,
  TO_IMAGE,
  TO_SEQUENCE,
  windowOutput,
} from './common';
import {
  activationField,
  initializerField,
  kernelFields,
  paddingField,
  regularizerField,
  type FieldSpec,
} from './fields';
import type { InferResult, KerasSpec, LayerSpec } from './layer-spec';

export const Conv1DConfig = z.object({
  filters: positiveInt('filters', 100_000),
  kernel_size: positiveInt('kernel_size', 1000),
  strides: positiveInt('strides', 1000).default(1),
  padding: Padding.default('valid'),
  dilation_rate: positiveInt('dilation_rate', 1000).default(1),
  activation: Activation.default('relu'),
  ...kernelSettings,
});
export const Conv2DConfig = z.object({
  filters: positiveInt('filters', 100_000),
  kernel_size: pair('kernel_size'),
  strides: pair('strides').default([1, 1]),
  padding: Padding.default('valid'),
  dilation_rate: pair('dilation_rate').default([1, 1]),
  activation: Activation.default('relu'),
  ...kernelSettings,
});
const depthwiseSettings = {
  kernel_size: pair('kernel_size'),
  strides: pair('strides').default([1, 1]),
  padding: Padding.default('valid'),
  depth_multiplier: positiveInt('depth_multiplier', 1000).default(1),
  activation: Activation.default('relu'),
  use_bias: z.boolean().default(true),
  depthwise_initializer: Initializer.default('glorot_uniform'),
  bias_initializer: Initializer.default('zeros'),
  depthwise_regularizer: Regularizer.default(null),
  bias_regularizer: Regularizer.default(null),
};
export const DepthwiseConv2DConfig = z.object(depthwiseSettings);
export const SeparableConv2DConfig = z.object({
  filters: positiveInt('filters', 100_000),
  ...depthwiseSettings,
  pointwise_initializer: Initializer.default('glorot_uniform'),
  pointwise_regularizer: Regularizer.default(null),
});
export const Conv2DTransposeConfig = z.object({
  filters: positiveInt('filters', 100_000),
  kernel_size: pair('kernel_size'),
  strides: pair('strides').default([1, 1]),
  padding: Padding.default('valid'),
  activation: Activation.default('relu'),
  ...kernelSettings,
});

const filtersField: FieldSpec = {
  path: ['filters'],
  label: 'Filters',
  kind: 'int',
  min: 1,
  hint: 'How many feature maps (output channels) it learns.',
};
const pairField = (key: string, label: string, hint?: string): FieldSpec => ({
  path: [key],
  label,
  kind: 'ints',
  length: 2,
  min: 1,
  labels: ['rows', 'cols'],
  ...(hint ? { hint } : {}),
});
const kernelSizeField = pairField(
  'kernel_size',
  'Kernel size',
  'The window each filter looks at; 3×3 is the usual choice.',
);
const stridesField = pairField('strides', 'Strides', 'Step between windows; 2 halves the size.');
const multiplierField: FieldSpec = {
  path: ['depth_multiplier'],
  label: 'Depth multiplier',
  kind: 'int',
  min: 1,
  hint: 'Filters per input channel.',
};
const depthwiseFields = (): FieldSpec[] => [
  { path: ['use_bias'], label: 'Use bias', kind: 'bool' },
  initializerField('depthwise_initializer', 'Depthwise initializer'),
  { ...initializerField('bias_initializer', 'Bias initializer'), when: (c) => c.use_bias !== false },
  regularizerField('depthwise_regularizer', 'Depthwise regularizer'),
  { ...regularizerField('bias_regularizer', 'Bias regularizer'), when: (c) => c.use_bias !== false },
];

/** Output size of a 2-D window over (h, w, c), or a plain-words error when nothing fits. */
function window2D(
  layer: string,
  input: SampleShape,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  padding: 'valid' | 'same',
  dilation: readonly [number, number] = [1, 1],
): { h: number; w: number } | { error: string } {
  const h = windowOutput(input[0]!, kernel[0], strides[0], padding, dilation[0]);
  const w = windowOutput(input[1]!, kernel[1], strides[1], padding, dilation[1]);
  if (h < 1 || w < 1) {
    return {
      error: `${layer}'s ${kernel[0]}×${kernel[1]} window does not fit in its ${input[0]}×${input[1]} input ${formatSampleShape(input)}. Use a smaller kernel_size, padding "same", or fewer pooling layers before it.`,
    };
  }
  return { h, w };
}

function image(layer: string, inputs: readonly SampleShape[]): SampleShape | { error: string } {
  const input = inputs[0];
  if (!input) return noInput(layer);
  return needsRank(layer, 3, '(height, width, channels)', input, TO_IMAGE) ?? input;
}

const dilatedStrideError = (layer: string) => ({
  error: `${layer} cannot combine strides above 1 with dilation_rate above 1. Set one of them to 1.`,
});

/** Keras' grouped and (where Layerlab has no such field) dilated convolutions are taken at 1 only. */
const CONV_KERAS: KerasSpec = { fixed: { groups: 1, dilation_rate: 1 } };

export const conv1DLayer: LayerSpec<'Conv1D'> = {
  type: 'Conv1D',
  family: 'Convolution',
  keras: CONV_KERAS,
  help: 'Slides filters along a sequence (steps, channels) to find local patterns: for time series, signals and text after an Embedding.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    filters: 16,
    kernel_size: 3,
    strides: 1,
    padding: 'valid',
    dilation_rate: 1,
    activation: 'relu',
    ...KERNEL_DEFAULTS,
  }),
  fields: [
    filtersField,
    { path: ['kernel_size'], label: 'Kernel size', kind: 'int', min: 1, hint: 'How many steps each filter looks at.' },
    { path: ['strides'], label: 'Strides', kind: 'int', min: 1 },
    paddingField,
    {
      path: ['dilation_rate'],
      label: 'Dilation rate',
      kind: 'int',
      min: 1,
      hint: 'Gaps inside the window; widens what it sees without weights.',
    },
    activationField(),
    ...kernelFields(),
  ],
  infer: (inputs, c): InferResult => {
    const input = inputs[0];
    if (!input) return noInput('Conv1D');
    const bad = needsRank('Conv1D', 2, '(steps, channels)', input, TO_SEQUENCE);
    if (bad) return bad;
    if (c.strides > 1 && c.dilation_rate > 1) return dilatedStrideError('Conv1D');
    const steps = windowOutput(input[0]!, c.kernel_size, c.strides, c.padding, c.dilation_rate);
    if (steps < 1)
      return {
        error: `Conv1D's window of ${c.kernel_size} steps does not fit in its ${input[0]} steps. Use a smaller kernel_size or padding "same".`,
      };
    return { shape: sampleShape([steps, c.filters]) };
  },
  params: (inputs, c) => c.kernel_size * (inputs[0]?.at(-1) ?? 0) * c.filters + (c.use_bias ? c.filters : 0),
};

export const conv2DLayer: LayerSpec<'Conv2D'> = {
  type: 'Conv2D',
  family: 'Convolution',
  keras: CONV_KERAS,
  help: 'Slides small filters over an image to find local patterns (edges, textures, then parts). The workhorse of image models; stack it with pooling.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    filters: 16,
    kernel_size: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    dilation_rate: [1, 1],
    activation: 'relu',
    ...KERNEL_DEFAULTS,
  }),
  fields: [
    filtersField,
    kernelSizeField,
    stridesField,
    paddingField,
    pairField('dilation_rate', 'Dilation rate'),
    activationField(),
    ...kernelFields(),
  ],
  infer: (inputs, c): InferResult => {
    const input = image('Conv2D', inputs);
    if ('error' in input) return input;
    if (Math.max(...c.strides) > 1 && Math.max(...c.dilation_rate) > 1) return dilatedStrideError('Conv2D');
    const out = window2D('Conv2D', input, c.kernel_size, c.strides, c.padding, c.dilation_rate);
    return 'error' in out ? out : { shape: sampleShape([out.h, out.w, c.filters]) };
  },
  params: (inputs, c) =>
    c.kernel_size[0] * c.kernel_size[1] * (inputs[0]?.at(-1) ?? 0) * c.filters + (c.use_bias ? c.filters : 0),
};

export const separableConv2DLayer: LayerSpec<'SeparableConv2D'> = {
  type: 'SeparableConv2D',
  family: 'Convolution',
  keras: CONV_KERAS,
  help: 'A Conv2D split in two cheaper steps: a filter per channel, then a 1×1 mix. Far fewer weights for similar accuracy (MobileNet, Xception).',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    filters: 16,
    kernel_size: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    depth_multiplier: 1,
    activation: 'relu',
    use_bias: true,
    depthwise_initializer: 'glorot_uniform',
    pointwise_initializer: 'glorot_uniform',
    bias_initializer: 'zeros',
    depthwise_regularizer: null,
    pointwise_regularizer: null,
    bias_regularizer: null,
  }),
  fields: [
    filtersField,
    kernelSizeField,
    stridesField,
    paddingField,
    multiplierField,
    activationField(),
    ...depthwiseFields(),
    initializerField('pointwise_initializer', 'Pointwise initializer'),
    regularizerField('pointwise_regularizer', 'Pointwise regularizer'),
  ],
  infer: (inputs, c): InferResult => {
    const input = image('SeparableConv2D', inputs);
    if ('error' in input) return input;
    const out = window2D('SeparableConv2D', input, c.kernel_size, c.strides, c.padding);
    return 'error' in out ? out : { shape: sampleShape([out.h, out.w, c.filters]) };
  },
  params: (inputs, c) => {
    const ch = inputs[0]?.at(-1) ?? 0;
    return (
      c.kernel_size[0] * c.kernel_size[1] * ch * c.depth_multiplier +
      ch * c.depth_multiplier * c.filters +
      (c.use_bias ? c.filters : 0)
    );
  },
};

export const depthwiseConv2DLayer: LayerSpec<'DepthwiseConv2D'> = {
  type: 'DepthwiseConv2D',
  family: 'Convolution',
  keras: CONV_KERAS,
  help: 'Filters each channel of an image on its own (no mixing between channels). Cheap; usually followed by a 1×1 Conv2D.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    kernel_size: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    depth_multiplier: 1,
    activation: 'relu',
    use_bias: true,
    depthwise_initializer: 'glorot_uniform',
    bias_initializer: 'zeros',
    depthwise_regularizer: null,
    bias_regularizer: null,
  }),
  fields: [kernelSizeField, stridesField, paddingField, multiplierField, activationField(), ...depthwiseFields()],
  infer: (inputs, c): InferResult => {
    const input = image('DepthwiseConv2D', inputs);
    if ('error' in input) return input;
    const out = window2D('DepthwiseConv2D', input, c.kernel_size, c.strides, c.padding);
    return 'error' in out ? out : { shape: sampleShape([out.h, out.w, input[2]! * c.depth_multiplier]) };
  },
  params: (inputs, c) => {
    const ch = inputs[0]?.at(-1) ?? 0;
    return c.kernel_size[0] * c.kernel_size[1] * ch * c.depth_multiplier + (c.use_bias ? ch * c.depth_multiplier : 0);
  },
};

/** tfjs' deconvolution length: valid grows by max(kernel - stride, 0) beyond input × stride. */
function deconvLength(length: number, kernel: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? length * stride : length * stride + Math.max(kernel - stride, 0);
}

export const conv2DTransposeLayer: LayerSpec<'Conv2DTranspose'> = {
  type: 'Conv2DTranspose',
  family: 'Convolution',
  keras: CONV_KERAS,
  help: 'A learned upsampling: the reverse of a strided Conv2D. Grows an image (strides 2 doubles it) in decoders, autoencoders and generators.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({
    filters: 16,
    kernel_size: [3, 3],
    strides: [2, 2],
    padding: 'same',
    activation: 'relu',
    ...KERNEL_DEFAULTS,
  }),
  fields: [filtersField, kernelSizeField, stridesField, paddingField, activationField(), ...kernelFields()],
  infer: (inputs, c): InferResult => {
    const input = image('Conv2DTranspose', inputs);
    if ('error' in input) return input;
    const h = deconvLength(input[0]!, c.kernel_size[0], c.strides[0], c.padding);
    const w = deconvLength(input[1]!, c.kernel_size[1], c.strides[1], c.padding);
    return { shape: sampleShape([h, w, c.filters]) };
  },
  params: (inputs, c) =>
    c.kernel_size[0] * c.kernel_size[1] * (inputs[0]?.at(-1) ?? 0) * c.filters + (c.use_bias ? c.filters : 0),
};
