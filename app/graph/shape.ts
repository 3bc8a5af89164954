/**
 * A tensor shape per sample: the batch dimension is never part of it.
 * Branded so a bare number[] (a position, a list of counts) can't pass for a shape by accident.
 */
export type SampleShape = readonly number[] & { readonly __brand: 'SampleShape' };

export function sampleShape(dims: readonly number[]): SampleShape {
  return [...dims] as unknown as SampleShape;
}

/** "(None, 4)" — written the way Keras' summary writes it, so users recognise it. */
export function formatShape(shape: SampleShape | undefined): string {
  if (!shape) return '?';
  return `(None, ${shape.join(', ')})`;
}

/** "(4)": the per-sample shape alone, for error messages. */
export function formatSampleShape(shape: SampleShape): string {
  return `(${shape.join(', ')})`;
}

export function sameShape(a: SampleShape, b: SampleShape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
