import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { formatShape } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import { formatParams } from '../../lib/format';
import type { LayerNode } from './graph-model';
import { configSummary } from './layer-text';

const NO_ERRORS: string[] = [];

/** A layer on the canvas: type and name, its key settings, parameters, and its problems in red. */
export const LayerNodeView = memo(function LayerNodeView({ id, data, selected }: NodeProps<LayerNode>) {
  const params = useGraph((s) => s.analysis.nodes[id]?.params ?? 0);
  const outputShape = useGraph((s) => s.analysis.nodes[id]?.outputShape);
  const errors = useGraph((s) => s.analysis.nodes[id]?.errors ?? NO_ERRORS);
  const type = data.type;
  const fixed = type === 'Input' || type === 'Output';
  return (
    <div
      className={`layer-node layer-${type.toLowerCase()}${selected ? ' is-selected' : ''}${errors.length > 0 ? ' has-error' : ''}`}
      data-testid="graph-node"
      data-node-type={type}
      data-node-id={id}
      title={fixed ? `${type} follows the dataset and task; it cannot be deleted.` : undefined}
    >
      {type !== 'Input' && <Handle type="target" position={Position.Top} className="layer-handle" />}
      <div className="layer-node-head">
        <span className="layer-type">{type}</span>
        <span className="layer-name">{data.name ?? id}</span>
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
