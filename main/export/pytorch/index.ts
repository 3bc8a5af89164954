export { generateModelPy, toTorchLayout, type GeneratedModel, type WeightMapping } from './model-py';
export { modelSpec, PytorchExportError, type KerasTopology, type ModelSpec, type NamedWeight } from './model-spec';
export { npyBytes, npzBytes, type NpyArray } from './npz';
