/**
 * At least this many ms between two batch events of a run, so never more than 20 in any second:
 * a chart needs no more, and a fast model cannot flood the renderer. The engine process spaces
 * them, and main spaces them again before they reach the renderer (a busy machine delivers
 * process messages in bursts). An epoch's end reaches the charts through its epoch event, so a
 * dropped batch event loses nothing.
 */
export const BATCH_EVENT_INTERVAL_MS = 50;
