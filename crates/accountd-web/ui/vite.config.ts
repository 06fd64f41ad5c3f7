import { defineConfig } from "vite";

// The bundle is served by accountd at /ui/; `npm run dev` proxies the API to a running accountd
// (ACCOUNTD_URL, default http://127.0.0.1:6780).
const target = process.env.ACCOUNTD_URL ?? "http://127.0.0.1:6780";

export default defineConfig({
  base: "/ui/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: { proxy: { "/api": { target, ws: true } } },
});
