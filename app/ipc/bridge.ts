import type { ChannelName, EventName, Result } from './contract';

/**
 * What Electron's preload exposes on `window.layerlab`: one method per channel (never a raw
 * ipcRenderer), plus an event subscription. The renderer wraps it in a Transport.
 */
export type ElectronBridge = {
  readonly api: { readonly [C in ChannelName]: (input: unknown) => Promise<Result<unknown>> };
  subscribe(listener: (event: EventName, payload: unknown) => void): () => void;
};

/**
 * Host mode's WebSocket wire format (ws://127.0.0.1:PORT/s/<key>/ws, next to the page,
 * authenticated by the per-launch token cookie the page got from /?token=...).
 */
export type WireRequest = { type: 'invoke'; id: number; channel: string; input: unknown };
export type WireMessage =
  { type: 'result'; id: number; result: Result<unknown> } | { type: 'event'; event: EventName; payload: unknown };
