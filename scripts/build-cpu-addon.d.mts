// Types for scripts/build-cpu-addon.mjs (the tests import it).
export const CPU_ADDON_SOURCE: string;
export const CPU_ADDON_NAME: string;
export function buildCpuAddon(options: {
  root?: string;
  outFile: string;
}): { built: true } | { built: false; reason: string };
