import { describe, expect, it } from 'vitest';
import { sliderRange, spellSliderValue } from '../../../renderer/src/features/playground/slider';

describe("the playground's sliders", () => {
  it("span the column's range in round steps", () => {
    expect(sliderRange(4.3, 7.9)).toEqual({ min: 4.3, max: 7.9, step: 0.01, decimals: 2 });
    expect(sliderRange(20, 240)).toEqual({ min: 20, max: 240, step: 1, decimals: 0 });
    expect(sliderRange(1_000, 2_500_000)).toEqual({ min: 0, max: 2_500_000, step: 10_000, decimals: 0 });
  });

  it('are left out without a range', () => {
    expect(sliderRange(null, 3)).toBeNull();
    expect(sliderRange(2, 2)).toBeNull();
  });

  it("write values in the file's decimal mark, without float noise", () => {
    const range = sliderRange(0.1, 2.5)!;
    expect(spellSliderValue(0.1 + 0.2, range, false)).toBe('0.30');
    expect(spellSliderValue(1.35, range, true)).toBe('1,35');
  });
});
