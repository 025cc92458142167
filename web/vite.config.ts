import { defineConfig } from 'vite';

// The board is compiled into the `bulwark` binary, so the build is one small
// bundle with no external fetches. BULWARK_WEB_OUT lets CMake put the output
// into the build tree instead of the source tree.
// The dev proxy is only for hand development against a running server
// (BULWARK_API=http://127.0.0.1:8080 npm run dev); tests use the real binary.
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: env.BULWARK_WEB_OUT || 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': { target: env.BULWARK_API || 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
