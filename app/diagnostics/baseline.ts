import { z } from 'zod';

/**
 * What a model that ignores its inputs scores, in the run's own loss and metric: the bar every
 * trained model must clear. Classification predicts the training split's class frequencies for
 * every row (the best constant guess under cross-entropy; its accuracy is the majority class's
 * rate, because the most frequent class gets the highest probability). Regression predicts the
 * training split's mean. Losses and MAE are in the target's own units, like the epoch logs.
 */
export const Baseline = z.object({
  /** last_value: time-series windows, the forecast "no change from the window's last row". */
  kind: z.enum(['majority_class', 'training_mean', 'last_value']),
  /** On the training split. */
  loss: z.number(),
  /** On the validation split: what the run's val_loss is compared with. */
  val_loss: z.number(),
  accuracy: z.number().optional(),
  val_accuracy: z.number().optional(),
  mae: z.number().optional(),
  val_mae: z.number().optional(),
});
export type Baseline = z.infer<typeof Baseline>;
