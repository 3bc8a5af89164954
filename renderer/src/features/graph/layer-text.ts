import { LAYERS } from '../../../../app/graph';
import type { LayerData } from './graph-model';

const show = (v: unknown): string => {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '?';
  if (Array.isArray(v)) return `(${v.map(show).join(', ')})`;
  if (v === null || v === undefined) return '–';
  return String(v);
};
const at = (config: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);

/** The one line of settings a node shows: "16 units · relu", "rate 0.2", "shape (4)", "16 filters · (3, 3) · relu". */
export function configSummary(data: LayerData): string {
  const c = data.config as Record<string, unknown>;
  switch (data.type) {
    case 'Input':
      return `shape ${show(c.shape)}`;
    case 'Dropout':
      return `rate ${show(c.rate)}`;
    case 'Dense':
      return `${show(c.units)} ${c.units === 1 ? 'unit' : 'units'} · ${String(c.activation)}${c.use_bias === false ? ' · no bias' : ''}`;
    case 'Output':
      return `${show(c.units)} ${c.units === 1 ? 'unit' : 'units'} · ${String(c.activation)}`;
    default: {
      // The first few settings that are numbers, tuples or choices, in form order.
      const parts: string[] = [];
      for (const field of LAYERS[data.type].fields) {
        if (parts.length >= 3) break;
        if (field.kind === 'regularizer' || field.kind === 'bool' || field.path.some((k) => k.endsWith('initializer')))
          continue;
        const value = at(c, field.path);
        if (value === undefined) continue;
        const key = field.path.at(-1)!;
        parts.push(
          key === 'activation' || key === 'class_name' ? show(value) : `${key.replace(/_/g, ' ')} ${show(value)}`,
        );
      }
      return parts.join(' · ');
    }
  }
}

export const LAYER_MIME = 'application/x-layerlab-layer';
