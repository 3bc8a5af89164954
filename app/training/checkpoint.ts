import { z } from 'zod';
import { EpochLogs } from '../project/schema';

/**
 * runs/<id>/checkpoint/state.json: everything beyond the weights that a resumed run needs to
 * continue as if it had never stopped. Shuffling and dropout draw from per-epoch seeded
 * streams, so the epoch number is the only random state to keep.
 */
const TensorSpec = z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()) });

export const CheckpointState = z.object({
  format: z.literal('layerlab-checkpoint'),
  version: z.literal(1),
  runId: z.string(),
  /** Epochs finished; training resumes at this (0-based) epoch. */
  epochsDone: z.number().int().nonnegative(),
  history: z.array(EpochLogs),
  schedule: z.object({ plateauRate: z.number(), best: z.number().nullable(), wait: z.number().int() }),
  earlyStopping: z.object({
    best: z.number().nullable(),
    bestEpoch: z.number().int().nullable(),
    wait: z.number().int(),
  }),
  /** Model weights in weights.bin, in model.getWeights() order. */
  weights: z.array(TensorSpec),
  /** Optimizer slots in optimizer.bin, in the optimizer's own order. */
  optimizer: z.object({ name: z.string(), weights: z.array(TensorSpec) }),
  /** best.bin holds the best epoch's weights (restore best weights), same specs as weights. */
  hasBest: z.boolean(),
});
export type CheckpointState = z.infer<typeof CheckpointState>;

export const CHECKPOINT_FOLDER = 'checkpoint';
export const CHECKPOINT_STATE = 'state.json';
