/**
 * Mean and population standard deviation in one pass (Welford's algorithm): numerically stable
 * where the naive sum of squares loses every digit (values around 1e9 with a spread of 1), and
 * needing no second pass or copy of the values. Population std (divide by n), as the column
 * profile, the training-data scaling and the window scaling all use it.
 */
export class RunningStats {
  count = 0;
  mean = 0;
  private m2 = 0;

  push(value: number): void {
    this.count += 1;
    const delta = value - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (value - this.mean);
  }

  /** Population std; 0 for no values. */
  get std(): number {
    return this.count > 0 ? Math.sqrt(this.m2 / this.count) : 0;
  }

  /** Mean and std for standardizing: a column with no spread (or no values) gets std 1, so nothing divides by zero. */
  scaling(): { mean: number; std: number } {
    const std = this.std;
    return { mean: this.mean, std: std > 0 ? std : 1 };
  }
}
