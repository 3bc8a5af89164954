import { z } from 'zod';
import { formatSampleShape, type SampleShape } from '../shape';

/**
 * Building blocks shared by the layer families: Keras' config vocabulary (activations,
 * initializers, regularizers, paddings) as zod schemas, and the arithmetic of sliding windows.
 */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'elu',
  'selu',
  'sigmoid',
  'tanh',
  'softmax',
  'softplus',
  'swish',
] as const;
export const Activation = z.enum(ACTIVATIONS);
export type Activation = z.infer<typeof Activation>;

/** Keras initializer names (snake_case, as Keras writes them in a config). */
export const INITIALIZERS = [
  'glorot_uniform',
  'glorot_normal',
  'he_uniform',
  'he_normal',
  'lecun_uniform',
  'lecun_normal',
  'orthogonal',
  'random_normal',
  'random_uniform',
  'truncated_normal',
  'zeros',
  'ones',
] as const;
export const Initializer = z.enum(INITIALIZERS);
export type Initializer = z.infer<typeof Initializer>;

const penalty = (field: string) =>
  z
    .number({ error: `${field} must be a number` })
    .min(0, `${field} must be at least 0`)
    .max(10, `${field} must be at most 10`);
/** L1/L2 weight penalty; null means none. */
export const Regularizer = z.object({ l1: penalty('l1'), l2: penalty('l2') }).nullable();
export type Regularizer = z.infer<typeof Regularizer>;

export const PADDINGS = ['valid', 'same'] as const;
export const Padding = z.enum(PADDINGS);

export const positiveInt = (field: string, max = 1_000_000) =>
  z
    .number({ error: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .min(1, `${field} must be at least 1`)
    .max(max, `${field} must be at most ${max.toLocaleString('en-US')}`);
export const nonNegativeInt = (field: string, max = 10_000) =>
  z
    .number({ error: `${field} must be a number` })
    .int(`${field} must be a whole number`)
    .min(0, `${field} must be at least 0`)
    .max(max, `${field} must be at most ${max}`);
export const rate = (field: string) =>
  z
    .number({ error: `${field} must be a number` })
    .min(0, `${field} must be at least 0`)
    .lt(1, `${field} must be below 1`);
export const pair = (field: string) =>
  z.tuple([positiveInt(field, 1000), positiveInt(field, 1000)], { error: `${field} must be two whole numbers` });

/** The weight settings every layer with a kernel shares (Keras keys and defaults). */
export const kernelSettings = {
  use_bias: z.boolean().default(true),
  kernel_initializer: Initializer.default('glorot_uniform'),
  bias_initializer: Initializer.default('zeros'),
  kernel_regularizer: Regularizer.default(null),
  bias_regularizer: Regularizer.default(null),
};
export const KERNEL_DEFAULTS = {
  use_bias: true,
  kernel_initializer: 'glorot_uniform',
  bias_initializer: 'zeros',
  kernel_regularizer: null,
  bias_regularizer: null,
} as const;

/** Output length of a sliding window (convolution or pooling), Keras' conv_output_length. */
export function windowOutput(
  length: number,
  kernel: number,
  stride: number,
  padding: 'valid' | 'same',
  dilation = 1,
): number {
  if (padding === 'same') return Math.ceil(length / stride);
  const span = (kernel - 1) * dilation + 1;
  return Math.floor((length - span) / stride) + 1;
}

/** "Conv2D needs (height, width, channels) per sample, but receives (64). <advice>" */
export function needsRank(
  layer: string,
  rank: number,
  what: string,
  input: SampleShape,
  advice: string,
): { error: string } | null {
  if (input.length === rank) return null;
  return { error: `${layer} needs ${what} per sample, but receives ${formatSampleShape(input)}. ${advice}` };
}

export const TO_IMAGE = 'Insert a Reshape or start from an image dataset.';
export const TO_SEQUENCE = 'Insert a Reshape (e.g. to (steps, features)) or an Embedding before it.';

export function noInput(layer: string): { error: string } {
  return { error: `${layer} has no input: connect a layer to it.` };
}

export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
