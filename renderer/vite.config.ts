import { defineConfig, type Plugin } from 'vite';
import { META_CONTENT_SECURITY_POLICY } from '../app/security/csp';

// This folder, whatever the working directory (the build runs from the repository root).
const root = import.meta.dirname;

/** The page's CSP meta tag is the header's policy (app/security/csp.ts), written in at build time. */
export const cspMeta: Plugin = {
  name: 'layerlab-csp-meta',
  transformIndexHtml: (html) => {
    if (!html.includes('%LAYERLAB_CSP%')) throw new Error('index.html has no %LAYERLAB_CSP% placeholder');
    return html.replace('%LAYERLAB_CSP%', META_CONTENT_SECURITY_POLICY);
  },
};

/**
 * The renderer bundle: served by the host (host mode) and loaded from disk by Electron, so
 * every URL is relative (base './') and nothing comes from a CDN. Vite 8 transforms TSX itself
 * (oxc); we only ask for React's automatic JSX runtime.
 */
export default defineConfig({
  root,
  base: './',
  plugins: [cspMeta],
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
