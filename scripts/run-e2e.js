// Runs the end-to-end scenarios (Playwright via playwright-core and Debian's Chromium) against the
// already-built renderer (`npm run test:e2e` builds it first) and prints `e2e: N passed, M failed`.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();

if (!existsSync(new URL('../dist/renderer/console/index.html', import.meta.url))) {
  console.error('e2e: dist/renderer is missing; run `npm run build:renderer` first (npm run test:e2e does).');
  process.exit(1);
}
const chromium = process.env.FEDUNIFY_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(
    `e2e: no Chromium at ${chromium}; install the Debian package "chromium" or set FEDUNIFY_CHROMIUM.`,
  );
  process.exit(1);
}

const started = Date.now();
const { runFederationScenario } = await import('../test/e2e/federation.e2e.ts');
const scenarios = [runFederationScenario];
const results = [];
for (const run of scenarios) {
  const sc = await run();
  results.push(...sc.results);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`e2e: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
process.exit(failed > 0 || results.length === 0 ? 1 : 0);
