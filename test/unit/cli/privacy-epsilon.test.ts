import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../../bin/fedunify.js', import.meta.url));
const run = promisify(execFile);

describe('fedunify privacy epsilon', () => {
  it('prints ε for the Abadi et al. setting within the published band', async () => {
    const { stdout } = await run(process.execPath, [
      bin,
      'privacy',
      'epsilon',
      '--noise-multiplier',
      '4',
      '--sample-rate',
      '0.01',
      '--steps',
      '10000',
      '--delta',
      '1e-5',
      '--json',
    ]);
    const out = JSON.parse(stdout) as { epsilon: number; epsilonStandardConversion: number };
    expect(out.epsilon).toBeGreaterThan(0.95);
    expect(out.epsilon).toBeLessThan(1.3);
    expect(out.epsilonStandardConversion).toBeCloseTo(1.2586, 3);
  });

  it('explains a sample rate outside (0, 1] and exits non-zero', async () => {
    const err = await run(process.execPath, [
      bin,
      'privacy',
      'epsilon',
      '--noise-multiplier',
      '1',
      '--sample-rate',
      '2',
      '--steps',
      '5',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toMatch(/--sample-rate must be a number in \(0, 1\]/);
  });
});
