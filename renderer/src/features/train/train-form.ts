import { createStore } from 'zustand/vanilla';
import { DEFAULT_TRAIN_CONFIG, TrainConfig, type OptimizerName } from '../../../../app/training/config';

/**
 * The training settings as typed: text for the number fields (so "0." or "" can exist while
 * the user types), checked against TrainConfig on every change; errors name the field.
 */
export type TrainField = 'epochs' | 'batchSize' | 'learningRate' | 'validationSplit' | 'seed';
export type TrainFormValues = Record<TrainField, string> & { optimizer: OptimizerName };

export interface TrainFormState {
  values: TrainFormValues;
  errors: Partial<Record<TrainField | 'optimizer', string>>;
  /** The parsed config when every field is valid. */
  config: TrainConfig | null;
}

export const FIELD_LABELS: Record<TrainField, string> = {
  epochs: 'Epochs',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  validationSplit: 'Validation split',
  seed: 'Seed',
};

export function valuesFrom(config: TrainConfig): TrainFormValues {
  return {
    epochs: String(config.epochs),
    batchSize: String(config.batchSize),
    optimizer: config.optimizer,
    learningRate: String(config.learningRate),
    validationSplit: String(config.validationSplit),
    seed: String(config.seed),
  };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function validate(values: TrainFormValues): Pick<TrainFormState, 'errors' | 'config'> {
  const errors: TrainFormState['errors'] = {};
  const numbers: Partial<Record<TrainField, number>> = {};
  for (const field of Object.keys(FIELD_LABELS) as TrainField[]) {
    const text = values[field].trim();
    const n = text === '' ? NaN : Number(text);
    if (!Number.isFinite(n)) errors[field] = `${FIELD_LABELS[field]} must be a number.`;
    else numbers[field] = n;
  }
  const parsed = TrainConfig.safeParse({ ...numbers, optimizer: values.optimizer });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as TrainField | 'optimizer' | undefined;
      if (field && !errors[field]) errors[field] = `${capitalise(issue.message)}.`;
    }
  }
  return { errors, config: parsed.success && Object.keys(errors).length === 0 ? parsed.data : null };
}

export type TrainFormStore = ReturnType<typeof createTrainFormStore>;

export function createTrainFormStore(initial: TrainConfig = DEFAULT_TRAIN_CONFIG) {
  const values = valuesFrom(initial);
  return createStore<TrainFormState & { load(config: TrainConfig): void; set(field: keyof TrainFormValues, value: string): void }>()((set, get) => ({
    values,
    ...validate(values),
    load(config) {
      const v = valuesFrom(config);
      set({ values: v, ...validate(v) });
    },
    set(field, value) {
      const v = { ...get().values, [field]: value } as TrainFormValues;
      set({ values: v, ...validate(v) });
    },
  }));
}
