/**
 * A small client of the hub's operator REST API (login, jobs, invites, rounds) over HTTPS with the
 * hub certificate pinned, as an operator's script would use it.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { pinnedTlsOptions, type PinnedTlsOptions } from '../../core/net/pinned-tls.ts';
import type { JobSpecInput } from '../../core/wire/job-spec.ts';
import type { InviteRecord, JobRecord, ParticipantRecord, RoundRecord } from '../../core/wire/protocol.ts';

const GET_ATTEMPTS = 3;

/** Whether a call failed on the connection (reset, refused, timed out) rather than with an answer. */
function isConnectionError(err: unknown): boolean {
  return (err as { connection?: unknown } | null)?.connection === true;
}

/** Talks to one hub as its operator. */
export class HubClient {
  private token: string | null = null;
  private tls: PinnedTlsOptions | null = null;

  constructor(
    readonly url: string,
    private readonly fingerprint: string | null,
  ) {}

  /** Logs in; later calls send the bearer token. */
  async login(username: string, password: string): Promise<void> {
    const res = await this.call<{ token: string }>('POST', '/api/login', { username, password });
    this.token = res.token;
  }

  /** Creates a job from a spec (defaults applied by the hub). */
  createJob(spec: JobSpecInput): Promise<JobRecord> {
    return this.call('POST', '/api/jobs', spec);
  }

  /** Creates an invite for an organization to a job. */
  createInvite(name: string, jobId: string): Promise<InviteRecord & { invite: string }> {
    return this.call('POST', '/api/invites', { name, jobId });
  }

  /** The job's current record. */
  job(jobId: string): Promise<JobRecord> {
    return this.call('GET', `/api/jobs/${jobId}`);
  }

  /** Every round of a job so far. */
  rounds(jobId: string): Promise<RoundRecord[]> {
    return this.call('GET', `/api/jobs/${jobId}/rounds`);
  }

  /** The job's participants. */
  participants(jobId: string): Promise<ParticipantRecord[]> {
    return this.call('GET', `/api/jobs/${jobId}/participants`);
  }

  /**
   * One API call. A GET that fails on the connection itself (a kept-alive socket the hub closed just
   * as it was reused, or no answer on a machine too busy to reply in time) is sent again, up to
   * three times: reads are idempotent. Other methods fail at once, so nothing is done twice.
   */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.callOnce<T>(method, path, body);
      } catch (err) {
        if (method !== 'GET' || attempt >= GET_ATTEMPTS || !isConnectionError(err)) throw err;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }

  private async callOnce<T>(method: string, path: string, body?: unknown): Promise<T> {
    const target = new URL(path, this.url);
    const secure = target.protocol === 'https:';
    if (secure && !this.tls) {
      if (!this.fingerprint)
        throw new Error(`${this.url} is HTTPS but no certificate fingerprint is known to pin it.`);
      this.tls = await pinnedTlsOptions(this.url, this.fingerprint);
    }
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const send = secure ? httpsRequest : httpRequest;
    return await new Promise<T>((resolve, reject) => {
      const req = send(target, { method, headers, ...(secure ? this.tls : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            return reject(
              new Error(
                `${method} ${path}: the hub answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)}`,
              ),
            );
          }
          if ((res.statusCode ?? 500) >= 400) {
            const err = (json as { error?: unknown } | null)?.error;
            return reject(
              new Error(
                `${method} ${path}: ${res.statusCode} ${typeof err === 'string' ? err : text.slice(0, 300)}`,
              ),
            );
          }
          resolve(json as T);
        });
      });
      req.on('error', (err) =>
        reject(Object.assign(new Error(`${method} ${path}: ${err.message}`), { connection: true })),
      );
      req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
      req.end(payload);
    });
  }
}
