export { generateModelPy, toTorchLayout, type GeneratedModel, type WeightMapping } from './model-py';
export {
  modelSpec,
  PytorchExportError,
  type KerasTopology,
  type LayerInputShapes,
  type ModelSpec,
  type NamedWeight,
} from './model-spec';
export { npyBytes, npyHeader, npzBytes, type NpyArray } from './npz';
export {
  inModelOrder,
  PYTORCH_FILES,
  pytorchProject,
  trainingSpec,
  type PytorchSource,
  type TrainingSpec,
} from './project';
export { torchForward, torchPython, torchVersion, writePytorchProject, type PytorchCheck } from './write-project';
