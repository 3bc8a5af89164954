import type { LayerData } from './graph-model';

/** The one line of settings a node shows: "16 units · relu", "rate 0.2", "shape (4)". */
export function configSummary(data: LayerData): string {
  const c = data.config as Record<string, unknown>;
  const show = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '?');
  switch (data.type) {
    case 'Input':
      return `shape (${Array.isArray(c.shape) ? c.shape.join(', ') : '?'})`;
    case 'Dropout':
      return `rate ${show(c.rate)}`;
    case 'Dense':
      return `${show(c.units)} ${c.units === 1 ? 'unit' : 'units'} · ${String(c.activation)}${c.use_bias === false ? ' · no bias' : ''}`;
    case 'Output':
      return `${show(c.units)} ${c.units === 1 ? 'unit' : 'units'} · ${String(c.activation)}`;
  }
}

export const LAYER_MIME = 'application/x-layerlab-layer';
