/**
 * Vite build of the explorer (`npm run build:web` → web-dist/). vite-plugin-singlefile inlines the
 * script, the styles and the Web Worker (imported with `?worker&inline`) into one index.html, so the
 * build is a static folder holding one auditable file that works from any static host, from
 * `snp-launch explore`, and when opened from disk (specs/toolchain.md §7.1).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { viteSingleFile } from 'vite-plugin-singlefile';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  plugins: [viteSingleFile()],
  // A classic (iife) worker: Chromium refuses module workers from blob: URLs on file:// pages.
  worker: { format: 'iife' },
  build: {
    outDir: fileURLToPath(new URL('../web-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
