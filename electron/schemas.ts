/**
 * Runtime schemas of what the main process reads from disk that is Electron-only (window bounds).
 * The bridge's own argument schemas are shared with the `join --ui` server in
 * core/wire/bridge-schemas.ts.
 */
import { z } from 'zod';

export const windowBoundsSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(10000),
  height: z.number().int().min(300).max(10000),
  maximized: z.boolean(),
});
