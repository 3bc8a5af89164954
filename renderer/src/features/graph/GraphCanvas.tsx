import { useCallback, useEffect, type DragEvent } from 'react';
import { Background, Controls, ReactFlow, useReactFlow, type IsValidConnection } from '@xyflow/react';
import type { LayerType } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import type { LayerNode, ShapeEdge } from './graph-model';
import { LAYER_MIME } from './layer-text';
import { LayerNodeView } from './LayerNodeView';
import { ShapeEdgeView } from './ShapeEdgeView';

// Stable objects: React Flow re-creates every node when these change identity.
const nodeTypes = { layer: LayerNodeView };
const edgeTypes = { shape: ShapeEdgeView };
const fitViewOptions = { padding: 0.2, maxZoom: 1 };
const DELETE_KEYS = ['Delete', 'Backspace'];
const NODE_WIDTH = 220;
const DROPPABLE = new Set<LayerType>(['Dense', 'Dropout']);

export function GraphCanvas() {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const onNodesChange = useGraph((s) => s.onNodesChange);
  const onEdgesChange = useGraph((s) => s.onEdgesChange);
  const connect = useGraph((s) => s.connect);
  const isValid = useGraph((s) => s.isValidConnection);
  const addLayer = useGraph((s) => s.addLayer);
  const fitViewRequest = useGraph((s) => s.fitViewRequest);
  const { screenToFlowPosition, fitView } = useReactFlow<LayerNode, ShapeEdge>();

  useEffect(() => {
    if (fitViewRequest === 0) return;
    // Wait for React Flow to measure the new nodes before framing them.
    const frame = requestAnimationFrame(() => void fitView({ ...fitViewOptions, duration: 200 }));
    return () => cancelAnimationFrame(frame);
  }, [fitViewRequest, fitView]);

  const isValidConnection: IsValidConnection<ShapeEdge> = useCallback((c) => isValid({ source: c.source, target: c.target }), [isValid]);

  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes(LAYER_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (e: DragEvent) => {
    const type = e.dataTransfer.getData(LAYER_MIME) as LayerType;
    if (!DROPPABLE.has(type)) return;
    e.preventDefault();
    const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
    addLayer(type, { x: p.x - NODE_WIDTH / 2, y: p.y - 30 });
  };

  return (
    <div className="graph-canvas" data-testid="graph-canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<LayerNode, ShapeEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={connect}
        isValidConnection={isValidConnection}
        deleteKeyCode={DELETE_KEYS}
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.25}
        maxZoom={2}
        snapToGrid
        snapGrid={[10, 10]}
        connectionRadius={28}
        elevateEdgesOnSelect
      >
        <Background gap={20} size={1.2} color="#d5dbe3" />
        <Controls showInteractive={false} position="bottom-right" />
      </ReactFlow>
    </div>
  );
}
