import { convLayers } from './conv';
import { coreLayers } from './core';
import type { BuiltType, LayerEntries } from './entry';
import { mergeLayers } from './merge';
import { normLayers } from './norm';
import { recurrentLayers } from './recurrent';
import { spatialLayers } from './spatial';

export type { BuiltType, KerasEntry, LayerEntry, LayerEntries } from './entry';

/**
 * Every catalogue node type but Input → its entry (registry/<family>.ts). The annotation makes a
 * type added to the catalogue without an entry fail typecheck.
 */
export const LAYER_REGISTRY: LayerEntries<BuiltType> = {
  ...coreLayers,
  ...convLayers,
  ...spatialLayers,
  ...normLayers,
  ...recurrentLayers,
  ...mergeLayers,
};
