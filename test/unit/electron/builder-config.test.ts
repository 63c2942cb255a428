import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

// electron-builder's own schema (draft-07), shipped with it in app-builder-lib.
const schema: unknown = JSON.parse(
  fs.readFileSync(path.resolve('node_modules/app-builder-lib/scheme.json'), 'utf8'),
);
const config = parse(fs.readFileSync(path.resolve('electron-builder.yml'), 'utf8')) as Record<
  string,
  unknown
>;

function targets(platform: unknown): string[] {
  const target = (platform as { target?: unknown } | undefined)?.target;
  return Array.isArray(target)
    ? target.map((t) => (typeof t === 'string' ? t : (t as { target: string }).target))
    : [];
}

describe('electron-builder.yml', () => {
  it("validates against electron-builder's JSON schema", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema as object);
    const ok = validate(config);
    expect(ajv.errorsText(validate.errors)).toBe('No errors');
    expect(ok).toBe(true);
  });

  it('names the app and its icon', () => {
    expect(config.appId).toBe('dev.fedunify.app');
    expect(config.productName).toBe('FedUnify');
    expect(config.icon).toBe('assets/icon.png');
  });

  it('keeps native addons and the wasm and tfjs-node binaries out of the asar archive', () => {
    const unpack = config.asarUnpack as string[];
    expect(unpack).toContain('**/*.node');
    expect(unpack.some((p) => p.includes('@tensorflow/tfjs-node'))).toBe(true);
    expect(unpack.some((p) => p.includes('tfjs-backend-wasm') && p.endsWith('.wasm'))).toBe(true);
    expect(unpack.some((p) => p.includes('better-sqlite3'))).toBe(true);
  });

  it('ships the bundles and the hub sources the embedded hub runs from', () => {
    const files = config.files as string[];
    for (const needed of ['dist/**', 'core/**', 'hub/**', 'package.json']) expect(files).toContain(needed);
  });

  it('builds AppImage and deb for Linux, NSIS for Windows and DMG for macOS', () => {
    expect(targets(config.linux)).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(targets(config.win)).toContain('nsis');
    expect(targets(config.mac)).toContain('dmg');
    const linux = config.linux as { category?: string; maintainer?: string };
    expect(linux.category).toBe('Science');
    expect(linux.maintainer).toMatch(/\S+ <\S+@\S+>/);
  });

  it('points package.json main at the bundled main process', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve('package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/electron/main.cjs');
  });
});
