import type { EventName, Result } from '../../../app/ipc/contract';
import type { Transport } from '../../../app/ipc/client';
import type { WireMessage, WireRequest } from '../../../app/ipc/bridge';
import type { ConnectionStore } from './connection-store';

export const LOST_CONNECTION = 'Lost connection to the Layerlab host';
export const TOKEN_EXPIRED =
  'Layerlab was restarted and this tab’s access has expired: open the new URL it printed (…/?token=…)';

interface Pending {
  channel: string;
  resolve: (result: Result<unknown>) => void;
  reject: (error: Error) => void;
}

export interface WebSocketTransportOptions {
  url: string;
  connection: ConnectionStore;
  /** How long a request waits for a connection that is (re)opening before it gives up. */
  connectTimeoutMs?: number;
  /** Backoff between reconnect attempts: 0.5 s doubling to this cap. */
  maxBackoffMs?: number;
  /** For tests: a WebSocket constructor. */
  WebSocketImpl?: typeof WebSocket;
  /**
   * After a failed reconnect: 'refused' when the host is up but refuses this page's token (it was
   * restarted with a new one), 'down' when nothing answers. Default: a HEAD request for the page.
   */
  probeHost?: () => Promise<'refused' | 'down' | 'ok'>;
}

/** Ask the page's own address whether it still lets this tab in (the WebSocket hides the 403). */
export async function probePageOrigin(): Promise<'refused' | 'down' | 'ok'> {
  try {
    // './': the app's own path (the host serves it under a secret prefix that the cookie is scoped to).
    const response = await fetch('./', {
      method: 'HEAD',
      credentials: 'same-origin',
      headers: { 'Cache-Control': 'no-store' },
    });
    return response.status === 403 ? 'refused' : 'ok';
  } catch {
    return 'down';
  }
}

/**
 * The WebSocket next to the page: `ws` relative to it (the host serves the app under
 * `/s/<key>/`, so ws://host/s/<key>/ws), or wss:// when the page came over https.
 */
// Typed without the DOM's Location so that Node-side tests can import this module too.
export function hostSocketUrl(
  loc: { href: string } = (globalThis as unknown as { location: { href: string } }).location,
): string {
  const url = new URL('ws', loc.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.href;
}

/**
 * Host mode's transport: one WebSocket, requests matched to results by id, events fanned out
 * to subscribers. It reconnects with backoff after a drop; requests in flight when the socket
 * closes fail with a message that says so, because their answers can never arrive.
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): Transport & { close(): void } {
  const { url, connection } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? 8000;
  const maxBackoffMs = options.maxBackoffMs ?? 8000;
  const Impl = options.WebSocketImpl ?? WebSocket;
  const probeHost = options.probeHost ?? probePageOrigin;

  const pending = new Map<number, Pending>();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  const waitingForOpen = new Set<() => void>();
  let socket: WebSocket | null = null;
  let nextId = 1;
  let attempt = 0;
  let everOpened = false;
  let opened = false;
  let closedByUs = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let countdown: ReturnType<typeof setInterval> | null = null;

  const setState = connection.setState;

  function connect() {
    if (closedByUs) return;
    setState({ status: everOpened ? 'reconnecting' : 'connecting', retryInSeconds: null });
    const ws = new Impl(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      opened = true;
      const wasReconnect = everOpened;
      everOpened = true;
      setState((s) => ({ status: 'open', retryInSeconds: null, reconnects: s.reconnects + (wasReconnect ? 1 : 0) }));
      for (const wake of [...waitingForOpen]) wake();
    };
    ws.onmessage = (message) => {
      let wire: WireMessage;
      try {
        wire = JSON.parse(String(message.data)) as WireMessage;
      } catch {
        return; // not ours to interpret; the host only sends JSON
      }
      if (wire.type === 'result') {
        const request = pending.get(wire.id);
        if (!request) return;
        pending.delete(wire.id);
        request.resolve(wire.result);
      } else if (wire.type === 'event') {
        for (const listener of [...listeners]) listener(wire.event, wire.payload);
      }
    };
    opened = false;
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      for (const [id, request] of pending) {
        pending.delete(id);
        request.reject(new Error(`${LOST_CONNECTION} before it answered. Try again once it reconnects.`));
      }
      // A reconnect that never opened may be a host that restarted with a new token: ask it.
      if (everOpened && !opened) {
        void probeHost().then((answer) => {
          if (closedByUs) return;
          if (answer === 'refused') {
            if (countdown) clearInterval(countdown);
            setState({ status: 'token-expired', retryInSeconds: null });
            for (const wake of [...waitingForOpen]) wake();
          } else scheduleReconnect();
        });
        return;
      }
      scheduleReconnect();
    };
    // onerror is always followed by onclose, which does the work.
    ws.onerror = () => {};
  }

  function scheduleReconnect() {
    if (closedByUs) return;
    const delay = Math.min(500 * 2 ** attempt, maxBackoffMs);
    attempt += 1;
    let left = Math.ceil(delay / 1000);
    setState({ status: everOpened ? 'reconnecting' : 'connecting', retryInSeconds: left });
    if (countdown) clearInterval(countdown);
    countdown = setInterval(() => {
      left = Math.max(0, left - 1);
      setState({ retryInSeconds: left });
    }, 1000);
    retryTimer = setTimeout(() => {
      if (countdown) clearInterval(countdown);
      countdown = null;
      connect();
    }, delay);
  }

  function whenOpen(): Promise<WebSocket> {
    if (socket && socket.readyState === Impl.OPEN) return Promise.resolve(socket);
    if (connection.getState().status === 'token-expired') return Promise.reject(new Error(TOKEN_EXPIRED));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waitingForOpen.delete(wake);
        // The channel's internal name ("project.open") means nothing to a user: it stays out of the message.
        reject(
          new Error(
            `${LOST_CONNECTION}: the request could not be sent. Check that Layerlab is still running, then try again.`,
          ),
        );
      }, connectTimeoutMs);
      const wake = () => {
        if (connection.getState().status === 'token-expired') {
          clearTimeout(timer);
          waitingForOpen.delete(wake);
          reject(new Error(TOKEN_EXPIRED));
          return;
        }
        if (!socket || socket.readyState !== Impl.OPEN) return;
        clearTimeout(timer);
        waitingForOpen.delete(wake);
        resolve(socket);
      };
      waitingForOpen.add(wake);
    });
  }

  connect();

  return {
    async invoke(channel, input) {
      const ws = await whenOpen();
      const id = nextId++;
      const request: WireRequest = { type: 'invoke', id, channel, input };
      return new Promise<Result<unknown>>((resolve, reject) => {
        pending.set(id, { channel, resolve, reject });
        try {
          ws.send(JSON.stringify(request));
        } catch (error) {
          pending.delete(id);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closedByUs = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (countdown) clearInterval(countdown);
      socket?.close();
    },
  };
}
