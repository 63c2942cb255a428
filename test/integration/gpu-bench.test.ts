/** `fedunify bench train --backend webgl|webgpu --json` through the real CLI, in headless Chromium. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { chromiumMissingReason, findChromium } from '../../core/train/chromium-engine.ts';

const run = promisify(execFile);
const chromium = findChromium();
if (chromium === null) console.log(`gpu-bench tests skipped: ${chromiumMissingReason()}`);

describe.skipIf(chromium === null)('fedunify bench train on the GPU engine page', () => {
  it('prints samples/s and the adapter, with a JSON object as the last line', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        'bin/fedunify.js',
        'bench',
        'train',
        '--backend',
        'webgl',
        '--batch-size',
        '2',
        '--steps',
        '1',
        '--json',
      ],
      { timeout: 110_000 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^webgl in headless Chromium: [\d.]+ samples\/s$/);
    const last = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    expect(last).toMatchObject({ backend: 'webgl', batchSize: 2, steps: 1 });
    expect(last.samplesPerSec).toBeGreaterThan(0);
    expect(last.adapter).toMatch(/^WebGL2: \S/);
  });

  it('refuses an unknown backend with the list of choices', async () => {
    const failed = await run(process.execPath, [
      'bin/fedunify.js',
      'bench',
      'train',
      '--backend',
      'vulkan',
    ]).catch((err: { stderr: string; code: number }) => err);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/webgpu, webgl/) });
  });
});
