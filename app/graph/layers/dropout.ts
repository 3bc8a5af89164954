import type { LayerSpec } from './layer-spec';

export const dropoutLayer: LayerSpec<'Dropout'> = {
  type: 'Dropout',
  help: 'During training, zeroes a random fraction (rate) of its inputs so the model cannot rely on any single one. A remedy for overfitting; 0.2-0.5 is typical. Does nothing at prediction time.',
  inputs: { min: 1, max: 1 },
  defaults: () => ({ rate: 0.2 }),
  infer: (inputs) => {
    const input = inputs[0];
    return input ? { shape: input } : { error: 'Dropout has no input: connect a layer to it.' };
  },
  params: () => 0,
};
