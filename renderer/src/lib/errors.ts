import { errorMessage } from '../../../app/ipc/errors';

/** What to show a person: the message as the main side wrote it, never a stack. */
export function messageOf(error: unknown): string {
  const message = errorMessage(error).trim();
  return message || 'Something went wrong, but no reason was given.';
}
