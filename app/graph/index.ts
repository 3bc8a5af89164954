export * from './schema';
export * from './shape';
export * from './analyze';
export * from './templates';
export * from './data-binding';
export { migrateGraph } from './migrate';
export {
  LAYERS,
  layerSpec,
  FAMILIES,
  MAX_MERGE_INPUTS,
  type LayerSpec,
  type LayerFamily,
  type FieldSpec,
} from './layers';
