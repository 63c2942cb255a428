import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSettingsStore, defaultSettings, loadSettings } from '../../../electron/settings-store.ts';

const onWindows = process.platform === 'win32';
if (onWindows) console.log('skipping the file-mode test: Windows has no POSIX permissions');

let dir: string;
let file: string;
let warnings: string[];
const warn = (message: string): void => {
  warnings.push(message);
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fedunify-settings-'));
  file = path.join(dir, 'settings.json');
  warnings = [];
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('settings store', () => {
  it('starts from defaults without a warning when there is no file', () => {
    expect(loadSettings(file, warn)).toEqual(defaultSettings());
    expect(warnings).toEqual([]);
  });

  it('remembers what was saved', () => {
    const store = createSettingsStore(file, warn);
    store.update({ approveUploads: true, dataSource: { kind: 'folder', path: '/data/images' } });
    const again = loadSettings(file, warn);
    expect(again.approveUploads).toBe(true);
    expect(again.dataSource).toEqual({ kind: 'folder', path: '/data/images' });
  });

  it('resets a file that is not JSON, keeps it aside and warns', () => {
    fs.writeFileSync(file, '{ this is not json');
    expect(loadSettings(file, warn)).toEqual(defaultSettings());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not JSON/);
    const aside = fs.readdirSync(dir).filter((name) => name.startsWith('settings.json.corrupt-'));
    expect(aside).toHaveLength(1);
  });

  it('resets a file with invalid values and names the bad field', () => {
    fs.writeFileSync(file, JSON.stringify({ ...defaultSettings(), approveUploads: 'yes' }));
    expect(loadSettings(file, warn)).toEqual(defaultSettings());
    expect(warnings[0]).toMatch(/approveUploads/);
  });

  it('refuses to save an invalid update and keeps the previous settings', () => {
    const store = createSettingsStore(file, warn);
    store.update({ windowBounds: { width: 10, height: 10, maximized: false } });
    expect(store.get().windowBounds).toBeNull();
    expect(warnings[0]).toMatch(/windowBounds/);
  });

  it.skipIf(onWindows)('writes the file readable by the user only (it holds the invite token)', () => {
    createSettingsStore(file, warn).update({ invite: 'fedunify1.x' });
    expect(fs.statSync(file).mode & 0o077).toBe(0);
  });
});
