/**
 * Invite strings: what an operator hands an organization. They carry the hub URL, the enrollment
 * token and the hub certificate's SHA-256 fingerprint, so a participant can pin the hub.
 * Format: `fedunify1.` + base64url(JSON). Pure: runs in the browser and in Node.
 */
import { z } from 'zod';

const PREFIX = 'fedunify1.';

export const inviteSchema = z.object({
  hub: z.string().url(),
  token: z.string().min(16).max(512),
  /** SHA-256 of the hub certificate (DER), uppercase hex pairs joined by ':'; null for --insecure hubs. */
  fingerprint: z
    .string()
    .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    .nullable(),
  org: z.string().min(1).max(200),
});
export type Invite = z.infer<typeof inviteSchema>;

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

/** Encodes an invite as a copy-pasteable string. */
export function encodeInvite(invite: Invite): string {
  return PREFIX + toBase64Url(JSON.stringify(inviteSchema.parse(invite)));
}

/** Decodes and validates an invite string; throws an Error that says what is wrong with it. */
export function decodeInvite(text: string): Invite {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PREFIX)) {
    throw new Error(
      `This is not a FedUnify invite: it should start with "${PREFIX}". Ask the hub operator for a new one.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(fromBase64Url(trimmed.slice(PREFIX.length)));
  } catch {
    throw new Error(
      'The invite is damaged (it does not decode). Copy it again in full, or ask the hub operator for a new one.',
    );
  }
  const parsed = inviteSchema.safeParse(json);
  if (!parsed.success) {
    const what = parsed.error.issues.map((i) => `${i.path.join('.') || 'invite'}: ${i.message}`).join('; ');
    throw new Error(`The invite is incomplete or invalid (${what}). Ask the hub operator for a new one.`);
  }
  return parsed.data;
}
