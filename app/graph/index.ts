export * from './schema';
export * from './shape';
export * from './analyze';
export * from './templates';
export { LAYERS, layerSpec, type LayerSpec } from './layers';
