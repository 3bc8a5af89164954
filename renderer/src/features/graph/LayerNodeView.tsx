import { memo, useEffect } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { formatShape, LAYERS } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import { formatParams } from '../../lib/format';
import { isMerge, type LayerNode } from './graph-model';
import { configSummary } from './layer-text';

const NO_ERRORS: string[] = [];

/**
 * A merge shows one numbered port per connected input plus a free one (up to its maximum): the
 * numbers are the order it takes its inputs in (Subtract: port 1 minus port 2).
 */
function MergePorts({ id, max }: { id: string; max: number }) {
  const connected = useGraph((s) => s.edges.filter((e) => e.target === id).length);
  const count = Math.min(max, Math.max(2, connected + 1));
  const updateNodeInternals = useUpdateNodeInternals();
  // React Flow measures handles once; tell it when ports come and go.
  useEffect(() => updateNodeInternals(id), [count, id, updateNodeInternals]);
  return (
    <>
      {Array.from({ length: count }, (_, i) => (
        <Handle
          key={i}
          id={`in-${i}`}
          type="target"
          position={Position.Top}
          className={`layer-handle merge-port${i < connected ? ' is-connected' : ''}`}
          style={{ left: `${((i + 1) * 100) / (count + 1)}%` }}
          data-testid="merge-port"
          data-port={i}
          title={`Input ${i + 1}`}
        >
          <span className="port-number">{i + 1}</span>
        </Handle>
      ))}
    </>
  );
}

/** A layer on the canvas: type and name, its key settings, parameters, and its problems in red. */
export const LayerNodeView = memo(function LayerNodeView({ id, data, selected, deletable }: NodeProps<LayerNode>) {
  const params = useGraph((s) => s.analysis.nodes[id]?.params ?? 0);
  const outputShape = useGraph((s) => s.analysis.nodes[id]?.outputShape);
  const errors = useGraph((s) => s.analysis.nodes[id]?.errors ?? NO_ERRORS);
  const type = data.type;
  const spec = LAYERS[type];
  return (
    <div
      className={`layer-node layer-${type.toLowerCase()} family-${spec.family.toLowerCase()}${selected ? ' is-selected' : ''}${errors.length > 0 ? ' has-error' : ''}${data.trainable === false ? ' is-frozen' : ''}`}
      data-testid="graph-node"
      data-node-type={type}
      data-node-id={id}
      title={deletable === false ? `${type} follows the dataset and task; it cannot be deleted.` : spec.help}
    >
      {type !== 'Input' &&
        (isMerge(type) ? (
          <MergePorts id={id} max={spec.inputs.max} />
        ) : (
          <Handle type="target" position={Position.Top} className="layer-handle" />
        ))}
      <div className="layer-node-head">
        <span className="layer-type">{type}</span>
        <span className="layer-name">{data.name ?? id}</span>
        {data.trainable === false && (
          <span
            className="layer-frozen"
            data-testid="frozen-badge"
            title="Frozen: training leaves this layer's weights as they are."
          >
            frozen
          </span>
        )}
      </div>
      <div className="layer-config">{configSummary(data)}</div>
      <div className="layer-foot">
        <span data-testid="node-params">{formatParams(params)}</span>
        <span className="layer-shape" title="Output shape">
          → {formatShape(outputShape)}
        </span>
      </div>
      {errors.map((message, i) => (
        <div key={i} className="node-error" data-testid="node-error">
          {message}
        </div>
      ))}
      {type !== 'Output' && <Handle type="source" position={Position.Bottom} className="layer-handle" />}
    </div>
  );
});
