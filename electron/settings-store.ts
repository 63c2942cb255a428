/**
 * What the desktop app remembers between runs, as JSON in the user's data folder. A missing,
 * unreadable or invalid file never stops the app: it falls back to defaults, keeps the bad file
 * aside for inspection, and logs a warning.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { dataSourceSchema, describeIssues, hubStartOptionsSchema } from '../core/wire/bridge-schemas.ts';
import { windowBoundsSchema } from './schemas.ts';

export const settingsSchema = z.object({
  version: z.literal(1),
  hub: z.object({ url: z.string().url(), fingerprint: z.string().nullable(), org: z.string() }).nullable(),
  /** The last invite used to join; it holds an enrollment token, so the file is private (0600). */
  invite: z.string().max(4096).nullable(),
  dataSource: dataSourceSchema.nullable(),
  approveUploads: z.boolean(),
  windowBounds: windowBoundsSchema.nullable(),
  hostHub: hubStartOptionsSchema.nullable(),
});
export type Settings = z.infer<typeof settingsSchema>;

/** The settings of a fresh installation. */
export function defaultSettings(): Settings {
  return {
    version: 1,
    hub: null,
    invite: null,
    dataSource: null,
    approveUploads: false,
    windowBounds: null,
    hostHub: null,
  };
}

export type Warn = (message: string) => void;

/** Reads and validates the settings file; any problem gives defaults and one warning. */
export function loadSettings(file: string, warn: Warn): Settings {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      warn(`Could not read settings ${file} (${(err as Error).message}); using defaults.`);
    }
    return defaultSettings();
  }
  let problem: string;
  try {
    const parsed = settingsSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    problem = `invalid settings (${describeIssues(parsed.error)})`;
  } catch (err) {
    problem = `not JSON (${(err as Error).message})`;
  }
  const aside = `${file}.corrupt-${Date.now()}`;
  try {
    fs.renameSync(file, aside);
    warn(`Settings file ${file} is ${problem}; it was moved to ${aside} and defaults are used.`);
  } catch {
    warn(`Settings file ${file} is ${problem}; defaults are used.`);
  }
  return defaultSettings();
}

/** Writes the settings atomically (temporary file + rename), readable by the user only. */
export function saveSettings(file: string, settings: Settings): void {
  const valid = settingsSchema.parse(settings);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export interface SettingsStore {
  get(): Settings;
  update(patch: Partial<Omit<Settings, 'version'>>): Settings;
}

/** A settings store backed by `file`; a failed write is logged, never thrown at the UI. */
export function createSettingsStore(file: string, warn: Warn): SettingsStore {
  let current = loadSettings(file, warn);
  return {
    get: () => current,
    update(patch) {
      const next = { ...current, ...patch, version: 1 as const };
      const parsed = settingsSchema.safeParse(next);
      if (!parsed.success) {
        warn(`Settings not saved: ${describeIssues(parsed.error)}`);
        return current;
      }
      current = parsed.data;
      try {
        saveSettings(file, current);
      } catch (err) {
        warn(`Could not save settings to ${file}: ${(err as Error).message}`);
      }
      return current;
    },
  };
}
