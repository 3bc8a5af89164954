import { createStore } from 'zustand/vanilla';

/**
 * Whether the renderer can reach the main side. Electron's IPC is always "open"; the host
 * WebSocket goes through connecting → open → reconnecting (after a drop) → open again, or to
 * token-expired when the host answers again but refuses this tab's token: it was restarted, with a
 * new token, and only the URL it printed gets in (retrying would be refused forever).
 */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'token-expired';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Seconds until the next reconnect attempt, for the banner; null while trying. */
  retryInSeconds: number | null;
  /** Bumped each time a dropped connection comes back, so views can refresh what they missed. */
  reconnects: number;
}

export type ConnectionStore = ReturnType<typeof createConnectionStore>;

export function createConnectionStore(initial: ConnectionStatus = 'connecting') {
  return createStore<ConnectionState>(() => ({ status: initial, retryInSeconds: null, reconnects: 0 }));
}
