import { describe, expect, it } from 'vitest';
import { chromiumFlags, chromiumOpener, findChromium } from '../../../../core/train/chromium-engine.ts';
import { isSoftwareAdapter } from '../../../../core/wire/gpu-engine.ts';

describe('headless Chromium for the GPU engine page', () => {
  it('respects CHROMIUM_PATH: a missing one is an error, not a silent fallback', () => {
    const env = { CHROMIUM_PATH: '/nonexistent/chromium' };
    expect(findChromium(env)).toBeNull();
    expect(chromiumOpener(env).unavailable(true)).toBe('CHROMIUM_PATH=/nonexistent/chromium does not exist');
  });

  it('never launches a browser with FEDUNIFY_BROWSER_GPU=off, even when asked by name', () => {
    expect(chromiumOpener({ FEDUNIFY_BROWSER_GPU: 'off' }).unavailable(true)).toBe(
      'not tried: FEDUNIFY_BROWSER_GPU=off',
    );
  });

  it('forces SwiftShader only when asked to, and always keeps WebGPU and the profile private', () => {
    const hw = chromiumFlags(false, '/tmp/p');
    const sw = chromiumFlags(true, '/tmp/p');
    expect(hw).toEqual(
      expect.arrayContaining(['--headless=new', '--user-data-dir=/tmp/p', '--enable-unsafe-webgpu']),
    );
    expect(hw.some((f) => f.includes('swiftshader'))).toBe(false);
    expect(sw).toEqual(
      expect.arrayContaining(['--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader']),
    );
  });

  it('tells software adapters from GPUs', () => {
    expect(isSoftwareAdapter('google / swiftshader')).toBe(true);
    expect(isSoftwareAdapter('WebGL2: ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)))')).toBe(
      true,
    );
    expect(isSoftwareAdapter('WebGL2: llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareAdapter('nvidia / ampere / NVIDIA GeForce RTX 3080')).toBe(false);
    expect(isSoftwareAdapter('apple / metal-3 / Apple M2')).toBe(false);
  });
});
