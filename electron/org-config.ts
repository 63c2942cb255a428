/**
 * The per-organization configuration baked into an organization's installer (`org.json`): which
 * hub it joins and with which invite. Checked when the installer is built (scripts/dist.js) and
 * again when the app starts, so a wrong file is caught before it reaches anyone's desktop.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { decodeInvite } from '../core/wire/invite.ts';
import { describeIssues } from '../core/wire/bridge-schemas.ts';

export const orgConfigSchema = z
  .object({
    orgName: z.string().trim().min(1).max(100),
    hubUrl: z.string().url(),
    invite: z.string().min(1).max(4096),
    fingerprint: z
      .string()
      .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'expected 32 hex pairs joined by ":" (SHA-256)'),
  })
  .strict();
export type OrgConfig = z.infer<typeof orgConfigSchema>;

function sameUrl(a: string, b: string): boolean {
  return new URL(a).href === new URL(b).href;
}

/** Validates an org config; throws one Error listing every problem and what to do about it. */
export function validateOrgConfig(input: unknown): OrgConfig {
  const parsed = orgConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      `org.json is invalid: ${describeIssues(parsed.error)}. See org.example.json for the expected fields.`,
    );
  }
  const config = parsed.data;
  let invite;
  try {
    invite = decodeInvite(config.invite);
  } catch (err) {
    throw new Error(`org.json "invite": ${(err as Error).message}`);
  }
  const problems: string[] = [];
  if (!sameUrl(invite.hub, config.hubUrl)) {
    problems.push(`the invite is for hub ${invite.hub} but "hubUrl" is ${config.hubUrl}`);
  }
  if (invite.fingerprint === null) {
    problems.push(
      'the invite has no certificate fingerprint (an --insecure hub); installers only pin TLS hubs',
    );
  } else if (invite.fingerprint !== config.fingerprint.toUpperCase()) {
    problems.push(
      `the invite pins fingerprint ${invite.fingerprint} but "fingerprint" is ${config.fingerprint}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      `org.json does not match its invite: ${problems.join('; ')}. Copy hubUrl and fingerprint from the hub that issued the invite, or ask its operator for a new invite.`,
    );
  }
  return { ...config, fingerprint: config.fingerprint.toUpperCase() };
}

/** Reads and validates an org.json; null when the file does not exist. */
export function readOrgConfig(file: string): OrgConfig | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}).`);
  }
  return validateOrgConfig(json);
}

/** A file-name-safe slug of an organization name ("Hôpital Nord" → "hopital-nord"). */
export function orgSlug(orgName: string): string {
  const slug = orgName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug === '' ? 'org' : slug;
}
