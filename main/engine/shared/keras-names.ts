/**
 * Keras' vocabulary for what tfjs serializes in its own words: class names as Keras' saver keys
 * them, activations, and initializer / regularizer / constraint objects. tfjs' model.toJSON is
 * Keras 2 shaped (snake_case keys), but a few values are tfjs' own (VarianceScaling with
 * distribution "normal" for glorot_normal, null where Keras has a number or a boolean).
 */

export class KerasExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KerasExportError';
  }
}

type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** keras.src.utils.naming.to_snake_case: "BatchNormalization" → "batch_normalization", "Conv2D" → "conv2d". */
export function kerasSnakeCase(className: string): string {
  return className
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Activations whose formula is the same in tfjs, tf.keras 2 and Keras 3. hard_sigmoid is not:
 * tfjs and Keras 2 compute 0.2x + 0.5, Keras 3 relu6(x + 3) / 6, so a file naming it would
 * compute something else in Keras 3; it is refused rather than exported wrong.
 */
const SAME_EVERYWHERE = new Set([
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'sigmoid',
  'tanh',
  'softmax',
  'softplus',
  'softsign',
  'swish',
  'gelu',
]);

export function kerasActivation(value: unknown, where: string): string {
  const name = typeof value === 'string' ? value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() : String(value);
  if (!SAME_EVERYWHERE.has(name)) {
    throw new KerasExportError(
      `${where} "${String(value)}" cannot be written to a Keras file with the same meaning in every Keras version; use one of ${[...SAME_EVERYWHERE].join(', ')}.`,
    );
  }
  return name;
}

/** tfjs' VarianceScaling settings → the Keras initializer class they are (what Keras itself writes). */
const VARIANCE_SCALING_NAMES: Record<string, string> = {
  '1|fan_avg|uniform': 'GlorotUniform',
  '1|fan_avg|normal': 'GlorotNormal',
  '2|fan_in|uniform': 'HeUniform',
  '2|fan_in|normal': 'HeNormal',
  '1|fan_in|uniform': 'LecunUniform',
  '1|fan_in|normal': 'LecunNormal',
};

/** tfjs class names that Keras spells differently. */
const INITIALIZER_CLASS: Record<string, string> = { LeCunUniform: 'LecunUniform', LeCunNormal: 'LecunNormal' };

/**
 * A tfjs initializer {class_name, config} → Keras 2's {class_name, config}. Initializers only
 * matter for training from scratch (the file's weights replace them), but Keras 3 refuses a
 * VarianceScaling with tfjs' distribution "normal", so the name must be Keras'.
 */
export function kerasInitializer(value: unknown, where: string): Json {
  if (!isObject(value) || typeof value.class_name !== 'string')
    throw new KerasExportError(`${where}: initializer ${JSON.stringify(value)} is not a serialized initializer.`);
  const config: Json = isObject(value.config) ? { ...value.config } : {};
  const seed = config.seed ?? null;
  if (value.class_name === 'VarianceScaling') {
    const named =
      VARIANCE_SCALING_NAMES[`${String(config.scale)}|${String(config.mode)}|${String(config.distribution)}`];
    if (named) return { class_name: named, config: { seed } };
    // tfjs' "normal" is a truncated normal, which Keras calls by that name.
    return {
      class_name: 'VarianceScaling',
      config: {
        ...config,
        distribution: config.distribution === 'normal' ? 'truncated_normal' : config.distribution,
        seed,
      },
    };
  }
  return { class_name: INITIALIZER_CLASS[value.class_name] ?? value.class_name, config };
}

/** A regularizer or constraint: null stays null; tfjs' L1L2 / MaxNorm configs are Keras' already. */
export function kerasRegularizer(value: unknown, where: string): Json | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value) || typeof value.class_name !== 'string')
    throw new KerasExportError(`${where}: ${JSON.stringify(value)} is not a serialized regularizer or constraint.`);
  return { class_name: value.class_name, config: isObject(value.config) ? { ...value.config } : {} };
}

/** Keras 3 wraps every serialized object with the module it comes from. */
export function keras3Object(legacy: Json | null, module: string): Json | null {
  if (legacy === null) return null;
  return { module, class_name: legacy.class_name, config: legacy.config, registered_name: null };
}
