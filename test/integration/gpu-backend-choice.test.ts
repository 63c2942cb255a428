/**
 * The participant runtime's backend choice with the GPU engine page in headless Chromium: an
 * explicit webgl trains through the page and matches in-process cpu training; `auto` refuses a
 * software adapter and says so in the notes, in the order the backends were tried. The same page in
 * the participant UI's own tab (`join --ui`): trains there, survives the tab closing mid-round
 * (the round trains in-process from its start) and goes back to the tab once it is open again.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initialWeights } from '../../core/model/init.ts';
import { mulberry32 } from '../../core/model/random.ts';
import { createDefaultRuntime } from '../../core/participant/default-runtime.ts';
import type { TrainOptions } from '../../core/participant/types.ts';
import { chromiumMissingReason, chromiumOpener, findChromium } from '../../core/train/chromium-engine.ts';
import { SELF_TEST_SPEC } from '../../core/train/self-test.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium as playwright } from 'playwright-core';
import { TabEngines } from '../../cli/tab-engine.ts';
import { startParticipantUi } from '../../cli/ui-server.ts';
import { TAB_ENGINE_PAGE, TAB_ENGINE_SOCKET_PATH } from '../../core/wire/gpu-engine.ts';
import { FakeEngine, sessionOf } from '../unit/cli/fake-ui-engine.ts';

const chromium = findChromium();
if (chromium === null) console.log(`gpu-backend-choice tests skipped: ${chromiumMissingReason()}`);

const spec = SELF_TEST_SPEC;
function options(): TrainOptions {
  const rand = mulberry32(99);
  const n = 24;
  return {
    data: {
      images: Float32Array.from({ length: n * 144 }, () => rand()),
      labels: Int32Array.from({ length: n }, (_, i) => i % 4),
      shape: [12, 12, 1],
      numClasses: 4,
      source: 'random',
    },
    epochs: 1,
    steps: 3,
    batchSize: 8,
    learningRate: 0.05,
    optimizer: 'sgd',
    seed: 5,
    signal: new AbortController().signal,
    onProgress: () => undefined,
  };
}

describe.skipIf(chromium === null)('training backend choice with the GPU engine page', () => {
  it('an explicit webgl trains on the page like the cpu backend in this process', async () => {
    const onPage = createDefaultRuntime();
    const info = await onPage.selectBackend('webgl');
    expect(info.backend).toBe('webgl');
    expect(info.device).toMatch(
      new RegExp(
        `^WebGL2: .*\\(software renderer, not a GPU\\) in headless Chromium; evaluation on ${tf.getBackend()}$`,
      ),
    );
    const pageModel = await onPage.createModel(spec);
    pageModel.setWeights(initialWeights(spec, 2));
    const pageResult = await pageModel.train(options());
    const pageWeights = pageModel.getWeights();
    await onPage.selectBackend('cpu'); // closes the page

    const local = createDefaultRuntime({ browser: null });
    await local.selectBackend('cpu');
    const cpuModel = await local.createModel(spec);
    cpuModel.setWeights(initialWeights(spec, 2));
    const cpuResult = await cpuModel.train(options());
    expect(pageResult.samples).toBe(24);
    expect(Math.abs(pageResult.loss - cpuResult.loss) / cpuResult.loss).toBeLessThan(1e-3);
    let worst = 0;
    pageWeights.forEach((w, i) =>
      w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - cpuModel.getWeights()[i][j])))),
    );
    expect(worst).toBeLessThan(1e-4);
  });

  it('auto refuses the software adapters and says why, after the CUDA note and before tfjs-node', async () => {
    const runtime = createDefaultRuntime({
      browser: chromiumOpener({ ...process.env, FEDUNIFY_BROWSER_GPU: 'on' }),
    });
    const info = await runtime.selectBackend('auto');
    expect(['wasm', 'tensorflow']).toContain(info.backend);
    const webgpu = info.notes.findIndex((n) =>
      /^webgpu: only a software adapter \(.*swiftshader.*\), slower than/i.test(n),
    );
    const webgl = info.notes.findIndex((n) =>
      /^webgl: only a software adapter \(.*SwiftShader.*\), slower than/.test(n),
    );
    expect(webgpu).toBeGreaterThan(0);
    expect(webgl).toBe(webgpu + 1);
    expect(info.notes[0]).toMatch(/tfjs-node-gpu/);
    // Where tfjs-node is absent or broken its note follows the browser ones (the order tried).
    const cpuNode = info.notes.findIndex((n) => /^@tensorflow\/tfjs-node[: ]/.test(n));
    if (info.backend !== 'tensorflow') expect(cpuNode).toBeGreaterThan(webgl);
  });

  it('with FEDUNIFY_BROWSER_GPU=off, auto never launches a browser and says so', async () => {
    const runtime = createDefaultRuntime({
      browser: chromiumOpener({ ...process.env, FEDUNIFY_BROWSER_GPU: 'off' }),
    });
    const info = await runtime.selectBackend('auto');
    expect(info.notes).toContain('webgpu: not tried: FEDUNIFY_BROWSER_GPU=off');
    expect(info.notes).toContain('webgl: not tried: FEDUNIFY_BROWSER_GPU=off');
  });
});

/** The largest difference between two weight lists. */
function worstDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))));
  return worst;
}

describe.skipIf(chromium === null)("the GPU engine page in the participant UI's tab", () => {
  it('trains in the tab, moves to this process when the tab closes mid-round, and back when it returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedunify-tab-ui-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ui</title>');
    const tabs = new TabEngines();
    const ui = await startParticipantUi(new FakeEngine(), { staticDir: dir, quiet: true, tabEngines: tabs });
    const browser = await playwright.launch({
      executablePath: chromium ?? undefined,
      headless: true,
      args: [
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        '--enable-unsafe-webgpu',
        '--enable-features=Vulkan',
        '--use-vulkan=swiftshader',
        '--use-webgpu-adapter=swiftshader',
      ],
    });
    try {
      const { session } = await sessionOf(ui.url);
      // What the participant page's hidden frame loads (renderer/participant/bridge-client.ts).
      const frameUrl = `${new URL(ui.url).origin}${TAB_ENGINE_PAGE}#${new URLSearchParams({ token: session, path: TAB_ENGINE_SOCKET_PATH })}`;
      const openTab = async () => {
        const page = await browser.newPage();
        await page.goto(frameUrl);
        return page;
      };
      let tab = await openTab();

      const runtime = createDefaultRuntime({ browser: tabs.opener(null, {}) });
      const info = await runtime.selectBackend('webgl');
      expect(info.device).toMatch(
        /^WebGL2: .*\(software renderer, not a GPU\) in the participant UI's browser tab; evaluation on /,
      );
      const local = createDefaultRuntime({ browser: null });
      await local.selectBackend('cpu');
      const reference = await local.createModel(spec);
      reference.setWeights(initialWeights(spec, 2));
      const cpuResult = await reference.train(options());

      const model = await runtime.createModel(spec);
      const changes: { backend: string; message: string; level: string }[] = [];
      const run = async () => {
        model.setWeights(initialWeights(spec, 2));
        const result = await model.train({
          ...options(),
          onBackendChange: (b, message, level) => changes.push({ backend: b.backend, message, level }),
        });
        expect(Math.abs(result.loss - cpuResult.loss) / cpuResult.loss).toBeLessThan(1e-3);
        expect(worstDiff(model.getWeights(), reference.getWeights())).toBeLessThan(1e-4);
      };
      await run();
      expect(changes).toEqual([]);

      // The tab closes while the page holds the round: the round trains here, from its start weights.
      const closing = run();
      await tab.close();
      await closing;
      expect(changes).toHaveLength(1);
      // Back on the in-process backend that was evaluating all along.
      const evaluating = /evaluation on (\S+)$/.exec(info.device)?.[1];
      expect(changes[0]).toMatchObject({ level: 'warn', backend: evaluating });
      expect(changes[0].message).toMatch(
        /has gone away \(tab closed or reloaded\).*training again from the round's start/,
      );
      await run(); // no tab: stays here, says nothing new
      expect(changes).toHaveLength(1);

      // The page is open again: the next round goes back to it after its self-test.
      tab = await openTab();
      while (tabs.newest() === null) await new Promise((r) => setTimeout(r, 50));
      await run();
      expect(changes).toHaveLength(2);
      expect(changes[1]).toMatchObject({ level: 'info', backend: 'webgl' });
      expect(changes[1].message).toMatch(
        /the GPU engine page is back; training on webgl .* in the participant UI's browser tab/,
      );
      await runtime.selectBackend('cpu');
    } finally {
      await browser.close();
      await ui.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
