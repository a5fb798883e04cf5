import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// The web app is a handful of static pages served by Workers static assets (wrangler.toml `[assets]`).
// Each page is its own HTML entry so the edge serves it without running the Worker; `/api/*` goes to the Worker.
const root = fileURLToPath(new URL('.', import.meta.url));
const page = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Adds `<link rel="modulepreload">` for a dynamically imported module's chunk to one page, so the browser fetches
 * it alongside the page's entry instead of once the entry has run (Vite preloads static imports only).
 */
function preloadDynamicImport(htmlPage: string, modulePath: string): Plugin {
  return {
    name: 'vibestream:preload-dynamic-import',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        if (context.filename !== htmlPage || !context.bundle) return;
        const chunk = Object.values(context.bundle).find((output) => output.type === 'chunk' && output.facadeModuleId === modulePath);
        if (chunk?.type !== 'chunk') return;
        return [chunk.fileName, ...chunk.imports]
          .filter((file) => !html.includes(`/${file}"`))
          .map((file) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `/${file}` },
            injectTo: 'head' as const,
          }));
      },
    },
  };
}

export default defineConfig({
  root,
  // The dashboard's first chart waits for Chart.js (its own chunk): fetch it with the page, not after it.
  plugins: [preloadDynamicImport(page('dashboard/index.html'), page('src/dashboard/charts.ts'))],
  // `vite` (dev server) proxies the API to a running `wrangler dev`, so pages behave as when served by the Worker.
  server: {
    proxy: {
      '/api': { target: process.env.VIBESTREAM_API_ORIGIN ?? 'http://127.0.0.1:8787', ws: true },
    },
  },
  resolve: {
    // p2p-media-loader-core's plain entry imports Node's `events`; its self-contained browser build sits behind
    // this export condition. The others are Vite's defaults for the browser.
    conditions: ['p2pml:core-as-bundle', 'module', 'browser', 'development|production'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // swagger-ui (bundled so /docs/ works offline and under a strict CSP) is ~1.5 MB minified; only /docs/ loads it.
    chunkSizeWarningLimit: 1800,
    // Vite 8 builds with Rolldown; `rolldownOptions` is the current name of the former `rollupOptions`.
    rolldownOptions: {
      input: {
        home: page('index.html'),
        login: page('login/index.html'),
        signup: page('signup/index.html'),
        docs: page('docs/index.html'),
        dashboard: page('dashboard/index.html'),
        revenue: page('revenue/index.html'),
        watch: page('watch/index.html'),
        room: page('room/index.html'),
        upload: page('upload/index.html'),
        studio: page('studio/index.html'),
        notFound: page('404.html'),
      },
    },
  },
});
