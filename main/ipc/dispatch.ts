import type { z } from 'zod';
import { channels, type ChannelName, type ChannelOutput, type Result } from '../../app/ipc/contract';
import { errorMessage, formatZodError, UserError } from '../../app/ipc/errors';
import { systemErrorSentence } from '../data/fs-errors';

/** Handlers are plain async functions of validated input; their dependencies come from a closure. */
export type Handlers = {
  [C in ChannelName]: (input: z.infer<(typeof channels)[C]['input']>) => Promise<ChannelOutput<C>>;
};

export type Dispatch = (channel: unknown, input: unknown) => Promise<Result<unknown>>;

function isChannel(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}

/**
 * The one gate between an untrusted renderer and the main side, shared by every transport:
 * unknown channels and malformed inputs are refused with a message naming the field, and
 * failures come back as messages, never as stacks.
 */
export function createDispatch(handlers: Handlers, log: (message: string) => void = (m) => console.error(m)): Dispatch {
  return async (channel, input) => {
    if (!isChannel(channel)) return { ok: false, error: `Unknown request "${String(channel).slice(0, 80)}".` };
    const parsed = channels[channel].input.safeParse(input ?? {});
    if (!parsed.success) return { ok: false, error: formatZodError(parsed.error, `Invalid ${channel} request`) };
    try {
      const handler = handlers[channel] as (i: unknown) => Promise<unknown>;
      const value = await handler(parsed.data);
      return { ok: true, value };
    } catch (error) {
      if (error instanceof UserError) return { ok: false, error: error.message };
      // A full disk, a link loop, a permission: the machine's state, said in words, not a code.
      const sentence = systemErrorSentence(error);
      if (sentence) return { ok: false, error: sentence };
      log(`[layerlab] ${channel} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return { ok: false, error: errorMessage(error) };
    }
  };
}
