// Runs the end-to-end scenarios (Playwright via playwright-core and Debian's Chromium) against the
// already-built renderer (`npm run test:e2e` builds it first) and prints `e2e: N passed, M failed, K skipped`.
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
const { runRecoveryScenario } = await import('../test/e2e/recovery.e2e.ts');
const { runTabGpuScenario } = await import('../test/e2e/tab-gpu.e2e.ts');
const { runElectronE2E } = await import('../test/e2e/electron-app.ts');

// Each scenario starts `fedunify hub` and participants as child processes, as their users do.
const browser = [
  ...(await runFederationScenario()).results,
  ...(await runRecoveryScenario()).results,
  ...(await runTabGpuScenario()).results,
];
let passed = browser.filter((r) => r.ok && !r.skipped).length;
let failed = browser.filter((r) => !r.ok).length;
let skippedSteps = browser.filter((r) => r.skipped).length;
// The desktop shell's own test needs the Electron binary; where it is absent it says why and skips.
const desktop = await runElectronE2E();
passed += desktop.passed;
failed += desktop.failed;
const skipped = skippedSteps + (desktop.skipped ? 1 : 0);

console.log(`e2e took ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (failed > 0) {
  // What the hub and participants said: the first thing to read when a step fails.
  const { cliOutputTails } = await import('../test/e2e/support.ts');
  console.log(`output of the fedunify processes (last lines each):\n${cliOutputTails()}`);
}
console.log(`e2e: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
