import { events, type EventName, type EventPayload } from '../../app/ipc/contract';

export type EventListener = (event: EventName, payload: unknown) => void;

/**
 * Main-side events (run progress, engine status) fanned out to every connected renderer:
 * Electron windows, host-mode WebSockets, or an in-memory test client. Payloads are checked
 * against the contract on the way out, so a renderer never receives something it can't parse.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const parsed = events[event].safeParse(payload);
    if (!parsed.success) {
      console.error(`[layerlab] dropped a malformed "${event}" event: ${parsed.error.message}`);
      return;
    }
    for (const listener of this.listeners) listener(event, parsed.data);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
