import {
  channels,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type EventName,
  type EventPayload,
  type Result,
} from './contract';

/**
 * How a client reaches the main side: Electron's preload, a WebSocket to the host, or memory.
 * `invoke` returns the raw Result so every transport handles errors the same way.
 */
export interface Transport {
  invoke(channel: ChannelName, input: unknown): Promise<Result<unknown>>;
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly channel: ChannelName,
    message: string,
  ) {
    super(message);
  }
}

/** The typed API the renderer (and tests) use, over any transport. */
export interface Api {
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void;
}

export function createApi(transport: Transport): Api {
  return {
    async invoke(channel, input) {
      const result = await transport.invoke(channel, input);
      if (!result.ok) throw new ApiError(channel, result.error);
      // Outputs come from our own main side; parse anyway so a version skew fails loudly here.
      return channels[channel].output.parse(result.value) as ChannelOutput<typeof channel>;
    },
    on(event, handler) {
      return transport.subscribe((name, payload) => {
        if (name === event) handler(payload as EventPayload<typeof event>);
      });
    },
  };
}
