import { defineConfig } from 'vite';

// This folder, whatever the working directory (the build runs from the repository root).
const root = import.meta.dirname;

/**
 * The renderer bundle: served by the host (host mode) and loaded from disk by Electron, so
 * every URL is relative (base './') and nothing comes from a CDN. Vite 8 transforms TSX itself
 * (oxc); we only ask for React's automatic JSX runtime.
 */
export default defineConfig({
  root,
  base: './',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: `${root}/../dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React Flow marks its entry "use client" for server components; meaningless in this bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: { port: 5173, strictPort: false },
});
