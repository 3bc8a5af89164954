import type { Transport } from '../../app/ipc/client';
import type { Dispatch } from './dispatch';
import type { EventBus } from './event-bus';

/**
 * The contract over plain memory: what tests use to drive the real handlers without a socket.
 * Inputs and outputs still go through a JSON round trip, as over every real transport.
 */
export function createMemoryTransport(dispatch: Dispatch, bus: EventBus): Transport {
  const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? null)) as T;
  return {
    invoke: async (channel, input) => roundTrip(await dispatch(channel, roundTrip(input))),
    subscribe: (listener) => bus.subscribe((event, payload) => listener(event, roundTrip(payload))),
  };
}
