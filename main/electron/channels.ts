/** The one ipcRenderer channel main-side events travel on (requests use the contract's names). */
export const EVENT_CHANNEL = 'layerlab:event';
