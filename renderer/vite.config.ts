/**
 * Builds the two renderer apps into dist/renderer/participant and dist/renderer/console. Each app
 * is a separate build with its own assets folder, so the hub can serve dist/renderer/console at
 * its root and Electron can load dist/renderer/participant over file:// (relative base './').
 * `vite build --config renderer/vite.config.ts` builds the participant app; a small plugin then
 * builds the console with the same settings.
 */
import { build, defineConfig, type InlineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

type App = 'participant' | 'console';

// Vite marks scripts `crossorigin`; over Electron's file:// that turns a same-folder load into a
// CORS request that fails, and the hub serves same-origin anyway, so the attribute only hurts.
function dropCrossorigin(): Plugin {
  return {
    name: 'fedunify-drop-crossorigin',
    transformIndexHtml: { order: 'post', handler: (html) => html.replace(/ crossorigin(?=[ >])/g, '') },
  };
}

// Paths are relative to the repository root: npm scripts always run there.
function appConfig(app: App, extraPlugins: Plugin[] = []): InlineConfig {
  return {
    configFile: false,
    root: `renderer/${app}`,
    base: './',
    plugins: [react(), dropCrossorigin(), ...extraPlugins],
    logLevel: 'warn',
    build: {
      outDir: `../../dist/renderer/${app}`,
      emptyOutDir: true,
      sourcemap: false,
      chunkSizeWarningLimit: 2000,
      target: 'es2022',
    },
  };
}

// Builds the console once the participant app is written (one command, two independent outputs).
function buildConsoleAfter(): Plugin {
  let done = false;
  return {
    name: 'fedunify-build-console',
    apply: 'build',
    async closeBundle() {
      if (done) return;
      done = true;
      await build(appConfig('console'));
    },
  };
}

export default defineConfig(appConfig('participant', [buildConsoleAfter()]));
