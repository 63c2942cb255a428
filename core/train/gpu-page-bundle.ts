/**
 * The GPU engine page's files (index.html + one script), bundled from renderer/gpu-engine with
 * esbuild on first use (tsx, which runs the CLI, ships esbuild), so `bench train` and `join` never
 * serve a stale build. The desktop app gets the same files from scripts/build-electron.js.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The page's two files as served. */
export interface GpuPageFiles {
  html: string;
  script: Uint8Array;
}

const PAGE_DIR = fileURLToPath(new URL('../../renderer/gpu-engine/', import.meta.url));

/** esbuild options shared with scripts/build-electron.js (keep in step). */
export const GPU_PAGE_BUILD = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
} as const;

let cached: Promise<GpuPageFiles> | null = null;

async function build(): Promise<GpuPageFiles> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error(
      'the GPU engine page needs esbuild to be bundled (it comes with tsx); reinstall the project',
    );
  }
  const out = await esbuild.build({
    ...GPU_PAGE_BUILD,
    entryPoints: [`${PAGE_DIR}main.ts`],
    write: false,
    logLevel: 'silent',
  });
  const html = await readFile(`${PAGE_DIR}index.html`, 'utf8');
  return { html, script: out.outputFiles[0].contents };
}

/** The page's files, bundled once per process. */
export function gpuPageFiles(): Promise<GpuPageFiles> {
  cached ??= build().catch((err: unknown) => {
    cached = null;
    throw err;
  });
  return cached;
}
