// Bundles the desktop app's main process, preload and utility processes into dist/electron/
// with esbuild. Needs no Electron binary: `electron` stays an external require resolved at runtime.
import { build } from 'esbuild';
import { copyFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

// Native addons, packages that locate files next to themselves (wasm), and optional native
// helpers of ws/socket.io stay external; electron-builder ships them in node_modules.
const external = [
  'electron',
  'better-sqlite3',
  '@tensorflow/*',
  'bufferutil',
  'utf-8-validate',
  'fsevents',
  'tsx',
  'tsx/*',
  // Bundles the GPU engine page on the fly for headless Chromium; the desktop app ships the page prebuilt.
  'esbuild',
];

// Core code is ESM and may use import.meta; in a CJS bundle it refers to the bundle file.
const importMetaShim = {
  banner: { js: "const __fedunify_import_meta_url = require('url').pathToFileURL(__filename).href;" },
  define: {
    'import.meta.url': '__fedunify_import_meta_url',
    'import.meta.dirname': '__dirname',
    'import.meta.filename': '__filename',
  },
};

const common = {
  bundle: true,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  sourcemap: 'linked',
  logLevel: 'warning',
  external,
  absWorkingDir: root,
};

/** Builds the four bundles into `outdir` (inside the repo, so node_modules resolves); returns their paths. */
export async function buildElectron(outdir = path.join(root, 'dist/electron')) {
  await build({
    ...common,
    outdir,
    ...importMetaShim,
    platform: 'node',
    target: 'node20',
    entryPoints: { main: 'electron/main.ts', 'engine-process': 'electron/engine-process.ts' },
  });
  // The hub process is ESM: it loads the hub's TypeScript sources (which use top-level await)
  // through tsx's ESM API. Electron (28+) runs .mjs utility processes natively.
  await build({
    ...common,
    outdir,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    banner: {
      js: "import { createRequire as __fedunifyCreateRequire } from 'node:module'; const require = __fedunifyCreateRequire(import.meta.url);",
    },
    entryPoints: { 'hub-process': 'electron/hub-process.ts' },
  });
  // The preload runs in a sandboxed renderer: browser platform, only `electron` may be required.
  await build({
    ...common,
    outdir,
    platform: 'browser',
    target: 'chrome130',
    entryPoints: { preload: 'electron/preload.ts', 'gpu-preload': 'electron/gpu-preload.ts' },
  });
  // The GPU engine page for the hidden window (same options as core/train/gpu-page-bundle.ts).
  await build({
    absWorkingDir: root,
    logLevel: 'warning',
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    entryPoints: { 'gpu-engine': 'renderer/gpu-engine/main.ts' },
    outdir: path.join(outdir, 'gpu-engine'),
  });
  await copyFile(
    path.join(root, 'renderer/gpu-engine/index.html'),
    path.join(outdir, 'gpu-engine/index.html'),
  );
  return [
    'main.cjs',
    'preload.cjs',
    'gpu-preload.cjs',
    'engine-process.cjs',
    'hub-process.mjs',
    'gpu-engine/index.html',
    'gpu-engine/gpu-engine.js',
  ].map((name) => path.join(outdir, name));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  buildElectron().then(
    (outputs) => {
      const names = outputs.map((file) => path.relative(root, file)).join(', ');
      console.log(`Built ${names} in ${Date.now() - started} ms.`);
    },
    (err) => {
      console.error(`Electron bundle failed: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
