// The engine's public face for the main process: the client and types only. Importing this
// never loads TensorFlow.js (that happens in the engine process, engine-main.ts).
export { EngineClient } from './engine-client';
export type {
  DoneEvent,
  EngineClientOptions,
  EngineState,
  EngineStatus,
  ExportRequest,
  ProgressEvent,
  TrainRequest,
} from './engine-client';
export { defaultEngineEntry, forkSpawner } from './engine-channel';
export type { EngineChannel, EngineSpawner } from './engine-channel';
export type { BatchLogs, EngineEvent, EngineRequest, ExportResult, PreparedData } from '../../../app/engine/protocol';
