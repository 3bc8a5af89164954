import { kerasSpecOf, LAYERS } from '../../../app/graph/layers';
import { isObject, kerasSnakeCase } from './keras-names';

/** Keras' recurrent layers, whose weights live in their cell (the catalogue's `keras.weights`). */
export const RNN_CLASSES: ReadonlySet<string> = new Set(
  Object.values(LAYERS).flatMap((spec) => (spec.keras?.weights === 'cell' ? [spec.type] : [])),
);

/**
 * Where Keras keeps each weight, in both layouts.
 *
 * Keras 3 (model.weights.h5 inside .keras; saving_lib): the model's `layers` list is a container,
 * so each layer's key is its snake_cased class name, numbered in layer order when repeated
 * ("dense", "dense_1"), never its own name. Every saveable object gets a `vars` group holding its
 * own variables as "0", "1", ... and its child objects nest by attribute name: an RNN's
 * variables live in its `cell`, a Bidirectional's in `forward_layer` / `backward_layer` (each an
 * RNN), a TimeDistributed's in `layer`.
 *
 * Keras 2 (legacy .h5; save_weights_to_hdf5_group): model_weights/<layer name> lists
 * `weight_names`, each the variable's TensorFlow name ("dense/kernel:0",
 * "lstm/lstm_cell/kernel:0", "bi/forward_lstm/lstm_cell/kernel:0"), stored at that path under
 * the layer's group. Keras 2 loads these by position, so the order matters, not the names.
 */

/** A layer as a model config lists it: enough to know where its weights are. */
export interface ConfigLayer {
  className: string;
  name: string;
  /** The wrapped layer of Bidirectional / TimeDistributed. */
  inner?: { className: string; name: string };
}

export interface VarsGroup {
  /** Path in model.weights.h5, e.g. "layers/lstm/cell/vars". */
  path: string;
  /** The object's name, which Keras 3 records as the group's `name` attribute. */
  objectName: string;
  /** Whether the layer's weights live here (in order across such groups). */
  holdsWeights: boolean;
}

/** An RNN's cell object: simple_rnn_cell, lstm_cell, gru_cell. */
export const cellName = (rnnClass: string) => `${kerasSnakeCase(rnnClass)}_cell`;

/** A config.json / model_config layer entry → ConfigLayer. */
export function configLayer(entry: unknown): ConfigLayer {
  const e = isObject(entry) ? entry : {};
  const config = isObject(e.config) ? e.config : {};
  const className = String(e.class_name);
  const name = String(e.name ?? config.name);
  const inner = isObject(config.layer) ? config.layer : null;
  if (!inner) return { className, name };
  const innerConfig = isObject(inner.config) ? inner.config : {};
  // Keras 3 names the serialized forward copy "forward_<name>"; Keras 2 and tfjs keep the original name.
  const innerName = String(innerConfig.name).replace(/^forward_/, '');
  return { className, name, inner: { className: String(inner.class_name), name: innerName } };
}

/** Keras 3's key for each layer, in model order: snake_case class name, then _1, _2, ... */
export function keras3LayerKeys(classNames: readonly string[]): string[] {
  const used = new Map<string, number>();
  return classNames.map((c) => {
    const base = kerasSnakeCase(c);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}

/** Every vars group Keras 3 writes for one layer under layers/<key>. */
export function keras3VarsGroups(key: string, layer: ConfigLayer): VarsGroup[] {
  const root = `layers/${key}`;
  const own: VarsGroup = { path: `${root}/vars`, objectName: layer.name, holdsWeights: false };
  const { weights } = kerasSpecOf(layer.className);
  if (weights === 'cell')
    return [own, { path: `${root}/cell/vars`, objectName: cellName(layer.className), holdsWeights: true }];
  if (weights === 'forward-backward' && layer.inner) {
    const cell = cellName(layer.inner.className);
    return [
      own,
      { path: `${root}/forward_layer/vars`, objectName: `forward_${layer.inner.name}`, holdsWeights: false },
      { path: `${root}/forward_layer/cell/vars`, objectName: cell, holdsWeights: true },
      { path: `${root}/backward_layer/vars`, objectName: `backward_${layer.inner.name}`, holdsWeights: false },
      { path: `${root}/backward_layer/cell/vars`, objectName: cell, holdsWeights: true },
    ];
  }
  if (weights === 'wrapped' && layer.inner)
    return [own, { path: `${root}/layer/vars`, objectName: layer.inner.name, holdsWeights: true }];
  return [{ ...own, holdsWeights: true }];
}

/** Keras 2's name of a layer's i-th weight (of `count`), given the weight's own short name ("kernel"). */
export function keras2WeightName(layer: ConfigLayer, index: number, count: number, shortName: string): string {
  const { weights } = kerasSpecOf(layer.className);
  if (weights === 'cell') return `${layer.name}/${cellName(layer.className)}/${shortName}:0`;
  if (weights === 'forward-backward' && layer.inner) {
    const direction = index < count / 2 ? 'forward' : 'backward';
    return `${layer.name}/${direction}_${layer.inner.name}/${cellName(layer.inner.className)}/${shortName}:0`;
  }
  return `${layer.name}/${shortName}:0`;
}

/** For readers: the weight groups of every config layer, by layer name, in weight order. */
export function keras3WeightGroups(layers: readonly unknown[]): { name: string; groups: string[] }[] {
  const parsed = layers.map(configLayer);
  const keys = keras3LayerKeys(parsed.map((l) => l.className));
  return parsed.map((l, i) => ({
    name: l.name,
    groups: keras3VarsGroups(keys[i]!, l)
      .filter((g) => g.holdsWeights)
      .map((g) => g.path),
  }));
}
