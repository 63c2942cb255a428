/**
 * Asks the hub of an invite who it is and what the job is, before joining: one GET of
 * FEDERATION_JOB_PATH with the invite's token, over TLS pinned to the invite's fingerprint (a hub
 * without TLS is asked over plain HTTP, as the invite says). Nothing else is sent.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pinnedTlsOptions } from '../net/pinned-tls.ts';
import type { InviteInspection } from '../wire/bridge.ts';
import { decodeInvite, type Invite } from '../wire/invite.ts';
import { FEDERATION_JOB_PATH, federationJobAnswerSchema } from '../wire/job-summary.ts';
import type { Ack, ErrorCode } from '../wire/protocol.ts';

const TIMEOUT_MS = 10_000;
const MAX_BODY = 256 * 1024;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function get(invite: Invite, tls: object | null): Promise<{ status: number; body: string }> {
  const url = new URL(FEDERATION_JOB_PATH, invite.hub);
  const options = {
    ...(tls ?? {}),
    timeout: TIMEOUT_MS,
    headers: { authorization: `Bearer ${invite.token}`, accept: 'application/json' },
  };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_BODY) res.destroy(new Error(`the answer is over ${MAX_BODY} bytes`));
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req =
      url.protocol === 'https:' ? https.get(url, options, onResponse) : http.get(url, options, onResponse);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
  });
}

function hubError(body: string): string | null {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    return typeof error === 'string' ? error : null;
  } catch {
    return null;
  }
}

const STATUS_CODES: Record<number, ErrorCode> = {
  401: 'unauthorized',
  403: 'unauthorized',
  404: 'not-found',
  429: 'rate-limited',
};

/** Decodes an invite and asks its hub about it; every failure is a failed Ack that says what to do. */
export async function inspectInvite(inviteText: string): Promise<Ack<InviteInspection>> {
  let invite: Invite;
  try {
    invite = decodeInvite(inviteText);
  } catch (err) {
    return { ok: false, error: errorText(err), code: 'bad-request' };
  }
  let tls: object | null = null;
  if (invite.fingerprint) {
    try {
      tls = await pinnedTlsOptions(invite.hub, invite.fingerprint);
    } catch (err) {
      // The pin-mismatch message (or the unreachable hub) as pinned-tls words it.
      const text = errorText(err);
      return { ok: false, error: text, code: /pins/.test(text) ? 'unauthorized' : 'internal' };
    }
  }
  let answer: { status: number; body: string };
  try {
    answer = await get(invite, tls);
  } catch (err) {
    return {
      ok: false,
      error: `Could not reach the hub at ${invite.hub}: ${errorText(err)}. Check the address and that the hub is running.`,
      code: 'internal',
    };
  }
  if (answer.status !== 200) {
    const said = hubError(answer.body);
    const olderHub = answer.status === 404 && (said === null || said.startsWith('No API route'));
    const error = olderHub
      ? `The hub at ${invite.hub} does not describe its job before joining (an older FedUnify version); join to see the job.`
      : `The hub refused to describe this invite's job: ${said ?? `HTTP ${answer.status}`}`;
    return { ok: false, error, code: STATUS_CODES[answer.status] ?? 'internal' };
  }
  let parsed;
  try {
    parsed = federationJobAnswerSchema.safeParse(JSON.parse(answer.body));
  } catch (err) {
    return { ok: false, error: `The hub's answer is not JSON: ${errorText(err)}`, code: 'internal' };
  }
  if (!parsed.success) {
    return {
      ok: false,
      error: `The hub's answer does not look like a FedUnify job summary (${parsed.error.issues[0]?.message ?? 'invalid'}); is this a FedUnify hub of the same version?`,
      code: 'internal',
    };
  }
  return {
    ok: true,
    hub: { url: invite.hub, fingerprint: invite.fingerprint, org: parsed.data.org },
    job: parsed.data.job,
    detail: parsed.data.detail,
  };
}
