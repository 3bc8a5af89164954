import { createStore } from 'zustand/vanilla';
import {
  DEFAULT_TRAIN_CONFIG,
  TrainConfig,
  type LossName,
  type MetricName,
  type OptimizerName,
} from '../../../../app/training/config';

/**
 * The training settings as typed: text for the number fields (so "0." or "" can exist while
 * the user types), checked against TrainConfig on every change; errors name the field.
 * The advanced settings (loss, metrics, early stopping, schedule, class weights, clipping)
 * map to TrainConfig's optional fields and are left out of it while switched off, so a
 * project saved before they existed round-trips unchanged.
 */
export type TrainField = 'epochs' | 'batchSize' | 'learningRate' | 'validationSplit' | 'seed';
export type AdvancedField =
  | 'esPatience'
  | 'esMinDelta'
  | 'stepEvery'
  | 'scheduleFactor'
  | 'decayRate'
  | 'minLearningRate'
  | 'plateauPatience'
  | 'warmupEpochs'
  | 'clipNorm'
  | 'customWeights';
export type ScheduleType = 'none' | 'step' | 'exponential' | 'cosine' | 'plateau';

export type TrainFormValues = Record<TrainField, string> &
  Record<AdvancedField, string> & {
    optimizer: OptimizerName;
    /** learningRate 'auto' (the LR range test picks it); the learningRate text is kept for when it is off. */
    lrAuto: boolean;
    nesterov: boolean;
    /** '' is the task's default loss. */
    loss: LossName | '';
    /** Empty is the task's default metric. */
    metrics: MetricName[];
    earlyStopping: boolean;
    /** Early stopping left to Layerlab (chosen for the data when the run starts); editing any of its fields makes it explicit. */
    esAuto: boolean;
    esMonitor: string;
    restoreBest: boolean;
    schedule: ScheduleType;
    classWeights: 'none' | 'balanced' | 'custom';
    clip: boolean;
  };

export type FormField = keyof TrainFormValues;

export interface TrainFormState {
  values: TrainFormValues;
  errors: Partial<Record<FormField, string>>;
  /** The parsed config when every field is valid. */
  config: TrainConfig | null;
  /** What the last one-click fix changed, shown highlighted until the user edits that field. */
  changed: FieldChange[];
}

/** One setting a fix changed, in words: "Early stopping: off → on". */
export interface FieldChange {
  field: FormField;
  label: string;
  from: string;
  to: string;
  /** In the folded Advanced section (opened to show it), not the main fields. */
  advanced: boolean;
}

const EARLY_STOPPING_FIELDS: readonly FormField[] = ['esMonitor', 'esPatience', 'esMinDelta', 'restoreBest'];

/** "Early stopping: off → on (Advanced)": what a one-click fix changed, in words. */
export function changeText(c: FieldChange): string {
  return `${c.label}: ${c.from} → ${c.to}${c.advanced ? ' (Advanced)' : ''}`;
}

/** The settings the Advanced section holds; the rest are the main fields. */
const MAIN_FIELDS: readonly FormField[] = [
  'epochs',
  'batchSize',
  'learningRate',
  'lrAuto',
  'validationSplit',
  'seed',
  'optimizer',
];

const CHANGE_LABELS: Partial<Record<FormField, string>> = {
  lrAuto: 'Learning rate chosen by Layerlab',
  nesterov: 'Nesterov momentum',
  loss: 'Loss',
  metrics: 'Metrics',
  earlyStopping: 'Early stopping',
  esAuto: 'Early stopping settings chosen by Layerlab',
  esMonitor: 'Early stopping watches',
  esPatience: 'Early stopping patience',
  esMinDelta: 'Early stopping min delta',
  restoreBest: "Keep the best epoch's weights",
  schedule: 'Learning-rate schedule',
  classWeights: 'Class weights',
  clip: 'Gradient clipping',
  optimizer: 'Optimizer',
};

const shownValue = (v: TrainFormValues[FormField]): string =>
  typeof v === 'boolean' ? (v ? 'on' : 'off') : Array.isArray(v) ? v.join(', ') || 'default' : v === '' ? 'default' : v;

/**
 * The settings that differ between two forms, in words, main fields first. Only what a user can
 * see: a field hidden while its switch is off (early stopping's patience while it is off) is left out.
 */
export function describeChanges(before: TrainFormValues, after: TrainFormValues): FieldChange[] {
  const hidden = (f: FormField) =>
    (!after.earlyStopping && EARLY_STOPPING_FIELDS.includes(f)) ||
    (after.lrAuto && f === 'learningRate') ||
    (!after.clip && f === 'clipNorm');
  const changes: FieldChange[] = [];
  for (const field of Object.keys(after) as FormField[]) {
    const from = shownValue(before[field]);
    const to = shownValue(after[field]);
    if (from === to || hidden(field)) continue;
    const label =
      CHANGE_LABELS[field] ??
      FIELD_LABELS[field as TrainField] ??
      ADVANCED_LABELS[field as AdvancedField] ??
      String(field);
    changes.push({ field, label, from, to, advanced: !MAIN_FIELDS.includes(field) });
  }
  return changes.sort((a, b) => Number(a.advanced) - Number(b.advanced));
}

export const FIELD_LABELS: Record<TrainField, string> = {
  epochs: 'Epochs',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  validationSplit: 'Validation split',
  seed: 'Seed',
};

export const ADVANCED_LABELS: Record<AdvancedField, string> = {
  esPatience: 'Patience',
  esMinDelta: 'Min delta',
  stepEvery: 'Every (epochs)',
  scheduleFactor: 'Factor',
  decayRate: 'Rate per epoch',
  minLearningRate: 'Minimum rate',
  plateauPatience: 'Patience',
  warmupEpochs: 'Warm-up epochs',
  clipNorm: 'Max gradient norm',
  customWeights: 'Weights',
};

/** TrainConfig path → the form field that sets it (for error messages). */
const FIELD_OF_PATH: Record<string, FormField> = {
  'earlyStopping.patience': 'esPatience',
  'earlyStopping.minDelta': 'esMinDelta',
  'earlyStopping.monitor': 'esMonitor',
  'lrSchedule.every': 'stepEvery',
  'lrSchedule.factor': 'scheduleFactor',
  'lrSchedule.rate': 'decayRate',
  'lrSchedule.minLearningRate': 'minLearningRate',
  'lrSchedule.patience': 'plateauPatience',
  warmupEpochs: 'warmupEpochs',
  clipNorm: 'clipNorm',
  classWeights: 'customWeights',
};

export function valuesFrom(config: TrainConfig): TrainFormValues {
  const es = config.earlyStopping ?? null;
  const schedule = config.lrSchedule ?? { type: 'none' as const };
  const weights = config.classWeights ?? null;
  return {
    epochs: String(config.epochs),
    batchSize: String(config.batchSize),
    optimizer: config.optimizer,
    learningRate: config.learningRate === 'auto' ? '0.001' : String(config.learningRate),
    lrAuto: config.learningRate === 'auto',
    validationSplit: String(config.validationSplit),
    seed: String(config.seed),
    nesterov: config.nesterov ?? false,
    loss: config.loss ?? '',
    metrics: [...(config.metrics ?? [])],
    // Absent is auto (on, chosen for the data); null is off.
    earlyStopping: config.earlyStopping !== null,
    esAuto: config.earlyStopping === undefined,
    esMonitor: es?.monitor ?? 'val_loss',
    esPatience: String(es?.patience ?? 5),
    esMinDelta: String(es?.minDelta ?? 0),
    restoreBest: es?.restoreBestWeights ?? true,
    schedule: schedule.type,
    stepEvery: String(schedule.type === 'step' ? schedule.every : 10),
    scheduleFactor: String(schedule.type === 'step' || schedule.type === 'plateau' ? schedule.factor : 0.5),
    decayRate: String(schedule.type === 'exponential' ? schedule.rate : 0.95),
    minLearningRate: String(schedule.type === 'cosine' || schedule.type === 'plateau' ? schedule.minLearningRate : 0),
    plateauPatience: String(schedule.type === 'plateau' ? schedule.patience : 5),
    warmupEpochs: String(config.warmupEpochs ?? 0),
    classWeights: weights === null ? 'none' : weights === 'balanced' ? 'balanced' : 'custom',
    customWeights: Array.isArray(weights) ? weights.join(', ') : '',
    clip: config.clipNorm !== undefined && config.clipNorm !== null,
    clipNorm: String(config.clipNorm ?? 1),
  };
}

/** "auto" (any case) or nothing typed: left to Layerlab. */
export function isAutoText(text: string): boolean {
  const t = text.trim().toLowerCase();
  return t === '' || t === 'auto';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function validate(values: TrainFormValues): Pick<TrainFormState, 'errors' | 'config'> {
  const errors: TrainFormState['errors'] = {};
  const num = (field: TrainField | AdvancedField, label: string): number => {
    const text = values[field].trim();
    const n = text === '' ? NaN : Number(text);
    if (!Number.isFinite(n)) errors[field] = `${label} must be a number.`;
    return n;
  };
  const numbers: Partial<Record<TrainField, number>> = {};
  const input: Record<string, unknown> = {};
  for (const field of Object.keys(FIELD_LABELS) as TrainField[]) {
    if (field === 'learningRate' && values.lrAuto) continue;
    // Epochs and batch size: "auto" (or empty) is chosen from the training rows when the run starts.
    if ((field === 'epochs' || field === 'batchSize') && isAutoText(values[field])) {
      input[field] = 'auto';
      continue;
    }
    const n = num(field, FIELD_LABELS[field]);
    if (Number.isFinite(n)) numbers[field] = n;
  }
  Object.assign(input, numbers, { optimizer: values.optimizer });
  if (values.lrAuto) input['learningRate'] = 'auto';
  if (values.optimizer === 'momentum' && values.nesterov) input['nesterov'] = true;
  if (values.loss !== '') input['loss'] = values.loss;
  if (values.metrics.length > 0) input['metrics'] = values.metrics;
  if (!values.earlyStopping) input['earlyStopping'] = null;
  else if (!values.esAuto) {
    input['earlyStopping'] = {
      monitor: values.esMonitor,
      patience: num('esPatience', 'Patience'),
      minDelta: num('esMinDelta', 'Min delta'),
      restoreBestWeights: values.restoreBest,
    };
  }
  switch (values.schedule) {
    case 'none':
      break;
    case 'step':
      input['lrSchedule'] = { type: 'step', every: num('stepEvery', 'Every'), factor: num('scheduleFactor', 'Factor') };
      break;
    case 'exponential':
      input['lrSchedule'] = { type: 'exponential', rate: num('decayRate', 'Rate') };
      break;
    case 'cosine':
      input['lrSchedule'] = { type: 'cosine', minLearningRate: num('minLearningRate', 'Minimum rate') };
      break;
    case 'plateau':
      input['lrSchedule'] = {
        type: 'plateau',
        factor: num('scheduleFactor', 'Factor'),
        patience: num('plateauPatience', 'Patience'),
        minDelta: 0,
        minLearningRate: num('minLearningRate', 'Minimum rate'),
      };
      break;
  }
  const warmup = num('warmupEpochs', 'Warm-up epochs');
  if (warmup !== 0) input['warmupEpochs'] = warmup;
  if (values.classWeights === 'balanced') input['classWeights'] = 'balanced';
  if (values.classWeights === 'custom') {
    const parts = values.customWeights.split(',').map((w) => w.trim());
    const weights = parts.map(Number);
    if (parts.some((p) => p === '') || weights.some((w) => !Number.isFinite(w)))
      errors.customWeights = 'Weights are numbers separated by commas, one per class.';
    input['classWeights'] = weights;
  }
  if (values.clip) input['clipNorm'] = num('clipNorm', 'Max gradient norm');
  const parsed = TrainConfig.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      const field =
        FIELD_OF_PATH[path] ?? FIELD_OF_PATH[path.replace(/\.\d+$/, '')] ?? (issue.path[0] as FormField | undefined);
      if (field && !errors[field]) errors[field] = `${capitalise(issue.message)}.`;
    }
  }
  return { errors, config: parsed.success && Object.keys(errors).length === 0 ? parsed.data : null };
}

export type TrainFormStore = ReturnType<typeof createTrainFormStore>;

export function createTrainFormStore(initial: TrainConfig = DEFAULT_TRAIN_CONFIG) {
  const values = valuesFrom(initial);
  return createStore<
    TrainFormState & {
      load(config: TrainConfig): void;
      /** Load a fix's settings and remember what it changed, for the form to highlight. */
      applyFix(config: TrainConfig): FieldChange[];
      set<K extends FormField>(field: K, value: TrainFormValues[K]): void;
    }
  >()((set, get) => ({
    values,
    ...validate(values),
    changed: [],
    load(config) {
      const v = valuesFrom(config);
      set({ values: v, ...validate(v), changed: [] });
    },
    applyFix(config) {
      const v = valuesFrom(config);
      const changed = describeChanges(get().values, v);
      set({ values: v, ...validate(v), changed });
      return changed;
    },
    set(field, value) {
      // Typing a rate is choosing a fixed one.
      const v = {
        ...get().values,
        [field]: value,
        ...(field === 'learningRate' ? { lrAuto: false } : {}),
        ...(EARLY_STOPPING_FIELDS.includes(field) ? { esAuto: false } : {}),
      } as TrainFormValues;
      set({ values: v, ...validate(v), changed: get().changed.filter((c) => c.field !== field) });
    },
  }));
}
