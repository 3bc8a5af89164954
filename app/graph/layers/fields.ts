import { ACTIVATIONS, INITIALIZERS, PADDINGS } from './common';

/**
 * One field of a layer's config form. The editor renders the form from these, so a new layer
 * needs no UI code. `path` is the key path inside the config (nested for wrappers such as
 * Bidirectional's `layer.config.units`); `when` hides a field that does not apply.
 */
interface FieldBase {
  path: readonly string[];
  label: string;
  hint?: string;
  /** Shown only when this holds for the node's config. */
  when?: (config: Record<string, unknown>) => boolean;
  /** Set by the dataset (Input shape, Output head): shown, not edited. */
  readonly?: boolean;
}
export type FieldSpec = FieldBase &
  (
    | { kind: 'int'; min: number; max?: number }
    | { kind: 'float'; min: number; max?: number; step: number }
    | { kind: 'enum'; options: readonly string[] }
    | { kind: 'bool' }
    /** A tuple of whole numbers (kernel_size, target_shape); `length` fixed or free (1-4). */
    | { kind: 'ints'; length?: number; min: number; labels?: readonly string[] }
    /** strides for pooling: a tuple, or null = the pool size. */
    | { kind: 'optional-ints'; length: number; min: number; nullLabel: string }
    /** ((top, bottom), (left, right)) for ZeroPadding2D and Cropping2D. */
    | { kind: 'pairs' }
    /** {l1, l2} or null. */
    | { kind: 'regularizer' }
    /** Input only: a list of the dataset's feature columns, or absent (the rest). */
    | { kind: 'columns' }
    /** Output only: one of the dataset's columns, or absent (the dataset's target). */
    | { kind: 'target' }
  );

const f = (path: string | readonly string[]) => (typeof path === 'string' ? [path] : path);

export const activationField = (key: string | readonly string[] = 'activation', label = 'Activation'): FieldSpec => ({
  path: f(key),
  label,
  kind: 'enum',
  options: ACTIVATIONS,
});
export const initializerField = (key: string | readonly string[], label: string): FieldSpec => ({
  path: f(key),
  label,
  kind: 'enum',
  options: INITIALIZERS,
});
export const regularizerField = (key: string | readonly string[], label: string): FieldSpec => ({
  path: f(key),
  label,
  kind: 'regularizer',
  hint: 'An L1/L2 penalty on these weights; a remedy for overfitting.',
});
export const paddingField: FieldSpec = {
  path: ['padding'],
  label: 'Padding',
  kind: 'enum',
  options: PADDINGS,
  hint: 'valid: no padding, the output shrinks. same: pad so the output keeps the size (divided by the stride).',
};

const hasBias = (c: Record<string, unknown>) => c.use_bias !== false;
/** use_bias, initializers and L1/L2 regularizers of a layer with a kernel (Keras' keys). */
export function kernelFields(prefix: readonly string[] = [], kernel = 'kernel'): FieldSpec[] {
  const at = (k: string) => [...prefix, k];
  const biasOn = (c: Record<string, unknown>) =>
    hasBias(prefix.reduce<Record<string, unknown>>((o, k) => (o[k] ?? {}) as Record<string, unknown>, c));
  return [
    { path: at('use_bias'), label: 'Use bias', kind: 'bool' },
    initializerField(at(`${kernel}_initializer`), `${cap(kernel)} initializer`),
    { ...initializerField(at('bias_initializer'), 'Bias initializer'), when: biasOn },
    regularizerField(at(`${kernel}_regularizer`), `${cap(kernel)} regularizer`),
    { ...regularizerField(at('bias_regularizer'), 'Bias regularizer'), when: biasOn },
  ];
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
