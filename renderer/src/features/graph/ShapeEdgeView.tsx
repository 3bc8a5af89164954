import { memo } from 'react';
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { formatShape } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import type { ShapeEdge } from './graph-model';

/**
 * How wide (px, on screen at zoom 1) the invisible stroke that picks an edge is: edges leaving one
 * handle run close together, so a click near either must still land on one.
 */
const EDGE_HIT_WIDTH = 36;

/** A connection, labelled with the tensor it carries ("(None, 16)"). Clicking the label selects it. */
export const ShapeEdgeView = memo(function ShapeEdgeView(props: EdgeProps<ShapeEdge>) {
  const {
    id,
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
    selected,
    markerEnd,
    source,
    target,
  } = props;
  const shape = useGraph((s) => s.analysis.edgeShapes[id]);
  const select = useGraph((s) => s.select);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={selected ? 'shape-edge is-selected' : 'shape-edge'}
        interactionWidth={EDGE_HIT_WIDTH}
      />
      <EdgeLabelRenderer>
        <div
          className={`edge-label nodrag nopan${selected ? ' is-selected' : ''}${shape ? '' : ' is-unknown'}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          data-testid="edge-shape"
          data-edge-id={id}
          data-source={source}
          data-target={target}
          title={selected ? 'Press Delete to remove this connection' : 'Click to select this connection'}
          onClick={() => select({ edgeId: id })}
        >
          {formatShape(shape)}
        </div>
      </EdgeLabelRenderer>
    </>
  );
});
