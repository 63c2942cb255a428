/**
 * The hub's REST API as typed functions. Every call carries the operator token; failures become
 * an ApiError whose message says what went wrong and, for job YAML, which lines.
 */
import type {
  InviteRecord,
  JobRecord,
  LogEntry,
  ParticipantRecord,
  RoundRecord,
} from '../../core/wire/protocol.ts';
import type { JobSpecInput } from '../../core/wire/job-spec.ts';

/** One validation problem the hub found in a job (line is set for YAML). */
export interface SpecIssue {
  path: string;
  line: number | null;
  message: string;
}

/** A failed API call: HTTP status, the hub's message and, for job specs, the issues. */
export class ApiError extends Error {
  readonly status: number;
  readonly issues: SpecIssue[];
  constructor(status: number, message: string, issues: SpecIssue[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.issues = issues;
  }
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function parseIssues(body: Record<string, unknown> | null): SpecIssue[] {
  const raw = body?.issues;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item) => {
    const r = asRecord(item);
    if (!r) return [];
    const path = Array.isArray(r.path) ? r.path.join('.') : typeof r.path === 'string' ? r.path : '';
    const line = typeof r.line === 'number' && r.line > 0 ? r.line : null;
    return [{ path, line, message: typeof r.message === 'string' ? r.message : 'invalid value' }];
  });
}

async function failure(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> | null = null;
  try {
    body = asRecord(await res.json());
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status line is all we have.
  }
  const fallback =
    res.status === 401
      ? 'Your session has expired or the credentials are wrong. Sign in again.'
      : `The hub answered ${res.status} ${res.statusText}.`;
  const message = typeof body?.error === 'string' ? body.error : fallback;
  return new ApiError(res.status, message, parseIssues(body));
}

async function request(token: string | null, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(
      0,
      'The hub cannot be reached. Check that it is running and that this page is served by it.',
    );
  }
  if (!res.ok) throw await failure(res);
  return res;
}

async function json<T>(token: string | null, path: string, init?: RequestInit): Promise<T> {
  const res = await request(token, path, init);
  return (await res.json()) as T;
}

const jsonBody = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** Hub identity shown in the console header. */
export interface HubInfo {
  name?: string;
  version?: string;
  url?: string;
  fingerprint?: string | null;
  protocolVersion?: number;
}

/** Signs in and returns the operator token. */
export async function login(username: string, password: string): Promise<string> {
  const res = await json<{ token?: unknown }>(null, '/api/login', jsonBody({ username, password }));
  if (typeof res.token !== 'string') throw new ApiError(500, 'The hub answered the sign-in without a token.');
  return res.token;
}

/** Ends the operator session on the hub (the token stops working at once). */
export async function logout(token: string): Promise<void> {
  await request(token, '/api/logout', { method: 'POST' });
}

/** The REST API bound to one operator token. */
export function createApi(token: string) {
  const enc = encodeURIComponent;
  return {
    hub: () => json<HubInfo>(token, '/api/hub'),
    listJobs: () => json<JobRecord[]>(token, '/api/jobs'),
    getJob: (id: string) => json<JobRecord>(token, `/api/jobs/${enc(id)}`),
    createJob: (spec: JobSpecInput) => json<JobRecord>(token, '/api/jobs', jsonBody(spec)),
    createJobYaml: (yamlText: string) =>
      json<JobRecord>(token, '/api/jobs', {
        method: 'POST',
        headers: { 'Content-Type': 'text/yaml' },
        body: yamlText,
      }),
    abortJob: (id: string) => json<unknown>(token, `/api/jobs/${enc(id)}/abort`, { method: 'POST' }),
    deleteJob: async (id: string) => {
      await request(token, `/api/jobs/${enc(id)}`, { method: 'DELETE' });
    },
    participants: (id: string) => json<ParticipantRecord[]>(token, `/api/jobs/${enc(id)}/participants`),
    rounds: (id: string) => json<RoundRecord[]>(token, `/api/jobs/${enc(id)}/rounds`),
    logs: (id: string) => json<LogEntry[]>(token, `/api/jobs/${enc(id)}/logs`),
    listInvites: () => json<InviteRecord[]>(token, '/api/invites'),
    createInvite: (name: string, jobId: string | null) =>
      json<InviteRecord>(token, '/api/invites', jsonBody(jobId ? { name, jobId } : { name })),
    revokeInvite: async (id: string) => {
      await request(token, `/api/invites/${enc(id)}`, { method: 'DELETE' });
    },
    /** Fetches a file of a job (model, weights, results) as a Blob, with the token. */
    download: async (path: string) => (await request(token, path)).blob(),
  };
}

export type Api = ReturnType<typeof createApi>;
