import { formatSampleShape, sampleShape, type SampleShape } from '../shape';
import type { LayerSpec } from './layer-spec';

/** Dense acts on the last axis; Keras allows any rank >= 1 and keeps the leading axes. */
function denseInfer(name: string, inputs: readonly SampleShape[], units: number) {
  const input = inputs[0];
  if (!input) return { error: `${name} has no input: connect a layer to it.` };
  const last = input[input.length - 1];
  if (last === undefined) return { error: `${name} needs at least one dimension per sample, but receives ${formatSampleShape(input)}.` };
  return { shape: sampleShape([...input.slice(0, -1), units]) };
}

function denseParams(inputs: readonly SampleShape[], units: number, useBias: boolean): number {
  const last = inputs[0]?.at(-1) ?? 0;
  return last * units + (useBias ? units : 0);
}

export const denseLayer: LayerSpec<'Dense'> = {
  type: 'Dense',
  help: 'A fully connected layer: every output unit sees every input. More units learn more complex patterns but overfit sooner. relu is a good default activation.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ units: 16, activation: 'relu', use_bias: true }),
  infer: (inputs, c) => denseInfer('Dense', inputs, c.units),
  params: (inputs, c) => denseParams(inputs, c.units, c.use_bias),
};

export const outputLayer: LayerSpec<'Output'> = {
  type: 'Output',
  help: 'The prediction head: a Dense layer whose size and activation follow the task (softmax over classes, sigmoid for two classes, linear for a number).',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ units: 1, activation: 'linear' }),
  infer: (inputs, c) => denseInfer('Output', inputs, c.units),
  params: (inputs, c) => denseParams(inputs, c.units, true),
};
