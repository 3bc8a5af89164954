/**
 * A numeric field's slider in the playground: from the column's smallest to its largest value in
 * the imported data, in about a hundred steps of a round size (0.1 for 4.3…7.9), so dragging it
 * shows how the prediction moves across the range the model was trained on.
 */
export interface SliderRange {
  min: number;
  max: number;
  step: number;
  /** Decimals a value on this slider is written with (the step's). */
  decimals: number;
}

export function sliderRange(min: number | null | undefined, max: number | null | undefined): SliderRange | null {
  if (min === null || min === undefined || max === null || max === undefined) return null;
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return null;
  const exponent = Math.floor(Math.log10((max - min) / 100));
  const step = 10 ** exponent;
  const decimals = Math.max(0, -exponent);
  // The ends on the step grid, so the slider reaches both.
  const lo = Number((Math.floor(min / step) * step).toFixed(decimals));
  const hi = Number((Math.ceil(max / step) * step).toFixed(decimals));
  return { min: lo, max: hi, step: Number(step.toFixed(decimals)), decimals };
}

/** A slider's value as the CSV spells it: "5.3", or "5,3" in a decimal-comma file. */
export function spellSliderValue(value: number, range: SliderRange, decimalComma: boolean): string {
  const text = value.toFixed(range.decimals);
  return decimalComma ? text.replace('.', ',') : text;
}
