import type { z } from 'zod';

/** "trainConfig.epochs: epochs must be at least 1" — names the field, for a person to fix. */
export function formatZodError(error: z.ZodError, context?: string): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return `${context ? `${context}: ` : ''}${parts.join('; ')}${more}`;
}

/** An error whose message is meant for the user as it is (no stack, no "Error:" prefix). */
export class UserError extends Error {
  override name = 'UserError';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
