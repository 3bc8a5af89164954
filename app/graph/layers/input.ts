import { sampleShape } from '../shape';
import type { LayerSpec } from './layer-spec';

export const inputLayer: LayerSpec<'Input'> = {
  type: 'Input',
  help: 'Where data enters the model. Its shape comes from the dataset: one number per encoded feature.',
  inputs: { min: 0, max: 0 },
  defaults: () => ({ shape: [1] }),
  infer: (_inputs, config) => ({ shape: sampleShape(config.shape) }),
  params: () => 0,
};
