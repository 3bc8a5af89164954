import type { DragEvent } from 'react';
import { LAYERS, type LayerType } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import { LAYER_MIME } from './layer-text';

const ITEMS: { type: LayerType; blurb: string }[] = [
  { type: 'Dense', blurb: 'Fully connected' },
  { type: 'Dropout', blurb: 'Regularisation' },
];

/** Layers to add: click inserts after the selected layer (or before the Output); drag places freely. */
export function Palette() {
  const insertLayer = useGraph((s) => s.insertLayer);
  const onDragStart = (e: DragEvent, type: LayerType) => {
    e.dataTransfer.setData(LAYER_MIME, type);
    e.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <section className="palette" aria-labelledby="palette-title">
      <h2 id="palette-title" className="side-title">
        Layers
      </h2>
      <ul className="palette-list">
        {ITEMS.map(({ type, blurb }) => (
          <li key={type}>
            <button
              type="button"
              className={`palette-item palette-${type.toLowerCase()}`}
              data-testid={`palette-${type}`}
              draggable
              onDragStart={(e) => onDragStart(e, type)}
              onClick={() => insertLayer(type)}
            >
              <span className="palette-name">{type}</span>
              <span className="palette-blurb">{blurb}</span>
              <span className="palette-help">{LAYERS[type].help}</span>
            </button>
          </li>
        ))}
      </ul>
      <p className="palette-hint muted">Click to insert after the selected layer, or drag onto the canvas.</p>
    </section>
  );
}
