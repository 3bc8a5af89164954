import { describe, expect, it } from 'vitest';
import { LAYER_TYPES } from '../../../app/graph';
import { LAYERS } from '../../../app/graph/layers';
import { KERAS_CLASS_NAMES, kerasClassOf } from '../../../app/graph/layers/keras-class';
import { mulberry32 } from '../../../app/math/seeded-random';
import { KERAS_LAYER_CLASSES } from '../../../main/engine/process/formats/keras/layer-config';
import { ONNX_LAYER_CLASSES } from '../../../main/engine/process/formats/onnx/model-to-onnx';
import { buildLayer } from '../../../main/engine/process/layers/build-layer';

// Every node type of the layer catalogue is built by the engine, written by the Keras writer and
// converted by the ONNX writer: a type added to the catalogue and missed by one of them fails here
// (the ONNX converters and the Keras list are also tied to the catalogue by the type system).
describe('the layer catalogue is covered end to end', () => {
  const types = LAYER_TYPES.filter((t) => t !== 'Input');

  it.each(types)('%s: built as its Keras class, which the Keras and ONNX writers both take', (type) => {
    const layer = buildLayer(type, LAYERS[type].defaults(), `node_${type}`, mulberry32(1));
    expect(layer.getClassName()).toBe(kerasClassOf(type));
    expect(KERAS_LAYER_CLASSES.has(layer.getClassName())).toBe(true);
    expect(ONNX_LAYER_CLASSES).toContain(layer.getClassName());
  });

  it('the writers know no class the catalogue does not offer', () => {
    expect([...KERAS_LAYER_CLASSES].sort()).toEqual([...KERAS_CLASS_NAMES].sort());
    expect([...ONNX_LAYER_CLASSES].sort()).toEqual(KERAS_CLASS_NAMES.filter((c) => c !== 'InputLayer').sort());
  });
});
