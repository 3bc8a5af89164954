import { useCallback, useEffect, useState, type DragEvent } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  getViewportForBounds,
  useReactFlow,
  useStoreApi,
  type IsValidConnection,
} from '@xyflow/react';
import { LAYERS, type LayerType } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import { useTheme } from '../../app/theme';
import type { LayerNode, ShapeEdge } from './graph-model';
import { LAYER_MIME } from './layer-text';
import { LayerNodeView } from './LayerNodeView';
import { ShapeEdgeView } from './ShapeEdgeView';
import { shortcutFor } from './shortcuts';
import { ShortcutsHelp } from './ShortcutsHelp';

// Stable objects: React Flow re-creates every node when these change identity.
const nodeTypes = { layer: LayerNodeView };
const edgeTypes = { shape: ShapeEdgeView };
/**
 * Fit never zooms out past FIT_MIN_ZOOM: a node's text is 12.5 px, so it stays at 10 px or more on
 * screen; a model taller than the canvas at that zoom is framed from its top and scrolled for the rest.
 */
const FIT_MIN_ZOOM = 0.8;
const fitViewOptions = { padding: 0.2, maxZoom: 1, minZoom: FIT_MIN_ZOOM };
const DELETE_KEYS = ['Delete', 'Backspace'];
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const NODE_WIDTH = 220;

const isLayerType = (t: string): t is LayerType => Object.hasOwn(LAYERS, t);
/** Typing in a form field keeps its own meaning for Ctrl+Z, Ctrl+C, L and F. */
const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName));
const minimapColor = (n: LayerNode) => (n.selected ? '#2563eb' : '#94a3b8');

export function GraphCanvas() {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const onNodesChange = useGraph((s) => s.onNodesChange);
  const onEdgesChange = useGraph((s) => s.onEdgesChange);
  const connect = useGraph((s) => s.connect);
  const isValid = useGraph((s) => s.isValidConnection);
  const addLayer = useGraph((s) => s.addLayer);
  const fitViewRequest = useGraph((s) => s.fitViewRequest);
  const canUndo = useGraph((s) => s.history.past.length > 0);
  const canRedo = useGraph((s) => s.history.future.length > 0);
  const actions = useGraph((s) => s);
  const [help, setHelp] = useState(false);
  const { theme } = useTheme();
  const { screenToFlowPosition, getNodes, getNodesBounds, setViewport } = useReactFlow<LayerNode, ShapeEdge>();
  const flowStore = useStoreApi<LayerNode, ShapeEdge>();

  /** Zoom to fit, but never below FIT_MIN_ZOOM: then the model's top-left is framed and the rest scrolls. */
  const fitView = useCallback(() => {
    const { width, height } = flowStore.getState();
    const all = getNodes();
    if (all.length === 0 || width === 0 || height === 0) return;
    const bounds = getNodesBounds(all);
    const { minZoom, maxZoom, padding } = fitViewOptions;
    const view = getViewportForBounds(bounds, width, height, minZoom, maxZoom, padding);
    // Clear of the toolbar above the canvas.
    const margin = 24;
    const top = 64;
    if (bounds.width * view.zoom + 2 * margin > width) view.x = margin - bounds.x * view.zoom;
    if (bounds.height * view.zoom + top + margin > height) view.y = top - bounds.y * view.zoom;
    void setViewport(view, { duration: 200 });
  }, [flowStore, getNodes, getNodesBounds, setViewport]);

  useEffect(() => {
    if (fitViewRequest === 0) return;
    // Wait for React Flow to measure the new nodes before framing them.
    const frame = requestAnimationFrame(fitView);
    return () => cancelAnimationFrame(frame);
  }, [fitViewRequest, fitView]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && help) {
        setHelp(false);
        return;
      }
      if (isTyping(e.target)) return;
      const action = shortcutFor(e);
      if (!action) return;
      e.preventDefault();
      switch (action) {
        case 'help':
          setHelp((h) => !h);
          break;
        case 'fitView':
          fitView();
          break;
        case 'delete':
          actions.deleteSelected();
          break;
        default:
          actions[action]();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions, fitView, help]);

  const isValidConnection: IsValidConnection<ShapeEdge> = useCallback(
    (c) => isValid({ source: c.source, target: c.target }),
    [isValid],
  );

  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes(LAYER_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (e: DragEvent) => {
    const type = e.dataTransfer.getData(LAYER_MIME);
    if (!isLayerType(type)) return;
    e.preventDefault();
    const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
    addLayer(type, { x: p.x - NODE_WIDTH / 2, y: p.y - 30 });
  };

  return (
    <div className="graph-canvas" data-testid="graph-canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <div className="graph-toolbar" role="toolbar" aria-label="Graph editing">
        <button
          type="button"
          className="btn btn-small"
          data-testid="graph-undo"
          disabled={!canUndo}
          onClick={actions.undo}
          title="Undo (Ctrl+Z)"
        >
          ↶ Undo
        </button>
        <button
          type="button"
          className="btn btn-small"
          data-testid="graph-redo"
          disabled={!canRedo}
          onClick={actions.redo}
          title="Redo (Ctrl+Shift+Z)"
        >
          ↷ Redo
        </button>
        <button
          type="button"
          className="btn btn-small"
          data-testid="graph-auto-layout"
          onClick={actions.autoLayout}
          title="Auto-layout (L)"
        >
          Auto-layout
        </button>
        <button
          type="button"
          className="btn btn-small"
          data-testid="graph-fit-view"
          onClick={fitView}
          title="Zoom to fit (F)"
        >
          Fit
        </button>
        <button
          type="button"
          className="btn btn-small"
          data-testid="graph-shortcuts"
          onClick={() => setHelp((h) => !h)}
          title="Keyboard shortcuts (?)"
          aria-expanded={help}
        >
          ?
        </button>
      </div>
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
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
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.1}
        maxZoom={2}
        snapToGrid
        snapGrid={[10, 10]}
        connectionRadius={28}
        elevateEdgesOnSelect
        colorMode={theme}
      >
        <Background gap={20} size={1.2} color={theme === 'dark' ? '#334155' : '#d5dbe3'} />
        <MiniMap<LayerNode> pannable zoomable nodeColor={minimapColor} position="bottom-left" ariaLabel="Minimap" />
        <Controls showInteractive={false} showFitView={false} position="bottom-right" />
      </ReactFlow>
    </div>
  );
}
