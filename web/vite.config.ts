/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API, chat and media to a running `veza serve` (VEZA_DEV_BACKEND).
const backend = process.env.VEZA_DEV_BACKEND ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/veza/web/dist",
    emptyOutDir: true,
    sourcemap: false,
    // hls.js is its own lazily loaded chunk, fetched on the first play.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      "/api": backend,
      "/stream": backend,
      "/ws": { target: backend.replace(/^http/, "ws"), ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
