/** A usage mistake: printed as one line with a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
