/**
 * Runtime schemas for what crosses into the main process from a renderer or from disk: the bridge
 * types are TypeScript only, and TypeScript types are not validation.
 */
import { z } from 'zod';
import type { DataSource, HubStartOptions } from '../core/wire/bridge.ts';

const pathString = z.string().min(1).max(4096);

export const dataSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('fashion-mnist'),
    path: pathString.optional(),
    owner: z
      .object({
        env: z.enum(['V', 'H', 'iid', 'dirichlet']),
        index: z.number().int().nonnegative(),
        seed: z.number().int(),
        owners: z.number().int().positive().optional(),
        alpha: z.number().positive().optional(),
      })
      .optional(),
    limit: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal('idx'),
    imagesPath: pathString,
    labelsPath: pathString,
    testImagesPath: pathString.optional(),
    testLabelsPath: pathString.optional(),
  }),
  z.object({ kind: z.literal('folder'), path: pathString }),
  z.object({ kind: z.literal('csv'), path: pathString }),
]);

export const hubStartOptionsSchema = z
  .object({
    dataDir: pathString.optional(),
    port: z.number().int().min(0).max(65535).optional(),
    host: z.enum(['0.0.0.0', '127.0.0.1', '::', '::1']).optional(),
  })
  .strict();

export const windowBoundsSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(10000),
  height: z.number().int().min(300).max(10000),
  maximized: z.boolean(),
});

// Compile-time proof that the schemas produce the bridge's own types.
const _dataSourceMatches: (value: z.infer<typeof dataSourceSchema>) => DataSource = (value) => value;
const _hubOptionsMatch: (value: z.infer<typeof hubStartOptionsSchema>) => HubStartOptions = (value) => value;
void _dataSourceMatches;
void _hubOptionsMatch;

/** Formats zod issues as one readable line: "path: message; path: message". */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`).join('; ');
}
