import { Fragment, useState, type DragEvent } from 'react';
import { FAMILIES, LAYER_TYPES, LAYERS, type LayerFamily, type LayerType } from '../../../../app/graph';
import { useGraph } from '../../app/context';
import { LAYER_MIME } from './layer-text';

const GROUPS: { family: LayerFamily; types: LayerType[] }[] = FAMILIES.map((family) => ({
  family,
  types: LAYER_TYPES.filter((t) => LAYERS[t].family === family),
}));

/** Every layer, grouped by family. Click inserts after the selected layer (or before the Output); drag places freely. */
export function Palette() {
  const insertLayer = useGraph((s) => s.insertLayer);
  const [filter, setFilter] = useState('');
  const onDragStart = (e: DragEvent, type: LayerType) => {
    e.dataTransfer.setData(LAYER_MIME, type);
    e.dataTransfer.effectAllowed = 'copy';
  };
  const needle = filter.trim().toLowerCase();
  return (
    <section className="palette" aria-labelledby="palette-title">
      <h2 id="palette-title" className="side-title">
        Layers
      </h2>
      <input
        className="input palette-filter"
        type="search"
        placeholder="Filter layers…"
        aria-label="Filter layers"
        data-testid="palette-filter"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      {GROUPS.map(({ family, types }) => {
        const shown = types.filter(
          (t) => !needle || t.toLowerCase().includes(needle) || LAYERS[t].help.toLowerCase().includes(needle),
        );
        if (shown.length === 0) return null;
        return (
          <details key={family} className="palette-group" data-testid={`palette-group-${family}`} open>
            <summary className="palette-family">{family}</summary>
            <ul className="palette-list">
              {shown.map((type) => (
                <li key={type}>
                  <button
                    type="button"
                    className={`palette-item palette-${type.toLowerCase()}`}
                    data-testid={`palette-${type}`}
                    draggable
                    title={LAYERS[type].help}
                    onDragStart={(e) => onDragStart(e, type)}
                    onClick={() => insertLayer(type)}
                  >
                    <span className="palette-name">{camelBreaks(type)}</span>
                    <span className="palette-help">{LAYERS[type].help}</span>
                  </button>
                </li>
              ))}
            </ul>
          </details>
        );
      })}
      <p className="palette-hint muted">Click to insert after the selected layer, or drag onto the canvas.</p>
    </section>
  );
}

/** A layer name with a line-break chance before each inner capital ("Global<wbr>Average<wbr>Pooling2D"), so long names wrap inside their card. */
function camelBreaks(name: string) {
  return name.split(/(?=[A-Z][a-z])/).map((part, i) => (
    <Fragment key={i}>
      {i > 0 && <wbr />}
      {part}
    </Fragment>
  ));
}
