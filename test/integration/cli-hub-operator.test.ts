/**
 * Operator journeys against `fedunify hub` in its own process: sign-out ends the session on the
 * hub, failed sign-ins name the real operator.json and are throttled per address, a lost password
 * is reset from the terminal, malformed URLs and YAML alias bombs are 400s, and the log says why a
 * participant disconnected, one line per entry.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OperatorClient } from '../../cli/operator-client.ts';
import { decodeInvite } from '../../core/wire/invite.ts';
import type { LogEntry } from '../../core/wire/protocol.ts';
import { connectRaw, next, outcome, tempDir } from './hub-helpers.ts';
import { createdJobId, rawRequest, runCli, spawnHub, type SpawnedHub } from './spawned-hub.ts';

interface OperatorFile {
  url: string;
  fingerprint: string | null;
  username: string;
  password: string;
}

/** Nine levels of nine aliases each: 9^9 = 387,420,489 strings once expanded. */
function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const name = String.fromCharCode(97 + i);
    const prev = String.fromCharCode(96 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  }
  return [...lines, 'name: bomb', 'rounds: 1'].join('\n');
}

// Each test runs several child processes: generous time on a loaded machine.
describe('fedunify hub (child process): operator sessions and bad input', { timeout: 400_000 }, () => {
  let tmp: { dir: string; cleanup: () => void };
  let hubDir = '';
  let hub: SpawnedHub;
  let file: OperatorFile;
  beforeEach(async () => {
    tmp = tempDir();
    hubDir = join(tmp.dir, 'hub');
    hub = await spawnHub(hubDir);
    file = JSON.parse(readFileSync(join(hubDir, 'operator.json'), 'utf8')) as OperatorFile;
  }, 300_000);
  afterEach(async () => {
    await hub.stop();
    tmp.cleanup();
  });

  const login = (password: string) =>
    rawRequest(hub, 'POST', '/api/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: file.username, password }),
    });

  it('ends the session on the hub at POST /api/logout', async () => {
    const op = await OperatorClient.connect(file);
    expect(await op.request('GET', '/api/jobs')).toEqual([]);
    expect(await op.request('POST', '/api/logout')).toEqual({ ok: true });
    await expect(op.request('GET', '/api/jobs')).rejects.toMatchObject({ status: 401 });
    expect(hub.output()).toMatch(/INFO \[operator\] admin signed out/);
  });

  it('names the real operator.json after a failed sign-in, then throttles the address with 429 and Retry-After', async () => {
    const first = await login('wrong');
    expect(first.status).toBe(401);
    const message = (JSON.parse(first.text) as { error: string }).error;
    expect(message).toContain(join(hubDir, 'operator.json'));
    expect(message).toMatch(/fedunify hub reset-password --data-dir/);
    for (let i = 0; i < 5; i++) await login('wrong');
    const throttled = await login(file.password);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect((JSON.parse(throttled.text) as { error: string }).error).toMatch(/Too many failed sign-ins/);
    expect(hub.output()).toMatch(
      /WARN \[operator\] failed sign-in for "admin" from \S+ \(6 in a row; further tries/,
    );
  });

  it('prints a new password with `fedunify hub reset-password`, which signs in while the old one does not', async () => {
    const res = await runCli(['hub', 'reset-password', '--data-dir', hubDir]);
    expect(res.code, res.stderr).toBe(0);
    const password = /New operator password for admin: (\S+)/.exec(res.stdout)?.[1] ?? '';
    expect(password).not.toBe('');
    expect(password).not.toBe(file.password);
    expect((await login(password)).status).toBe(200);
    expect((await login(file.password)).status).toBe(401);
    // operator.json holds the new password, so the CLI on this host keeps working.
    expect((await runCli(['job', 'list', '--data-dir', hubDir])).code).toBe(0);
  });

  it('answers malformed URLs with 400, never 500', async () => {
    const op = await OperatorClient.connect(file);
    const auth = { authorization: `Bearer ${await tokenOf(op)}` };
    for (const path of ['/%E0%A4%A', '/api/jobs/%zz', '/jobs/%', '/api/jobs/%C0%AF/logs', '//%ff%fe']) {
      const res = await rawRequest(hub, 'GET', path, { headers: auth });
      expect(res.status, path).toBe(400);
      expect((JSON.parse(res.text) as { error: string }).error).toMatch(/malformed/);
    }
    expect(hub.output()).not.toMatch(/ERROR/);
  });

  it('refuses a YAML alias bomb with a 400 that says so, over the API and from the CLI', async () => {
    const op = await OperatorClient.connect(file);
    const res = await rawRequest(hub, 'POST', '/api/jobs', {
      headers: { authorization: `Bearer ${await tokenOf(op)}`, 'content-type': 'text/yaml' },
      body: billionLaughs(),
    });
    expect(res.status).toBe(400);
    expect((JSON.parse(res.text) as { error: string }).error).toMatch(/aliases .*"billion laughs"/);
    const bomb = join(tmp.dir, 'bomb.yaml');
    writeFileSync(bomb, billionLaughs());
    const cli = await runCli(['job', 'create', bomb, '--data-dir', hubDir]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/aliases/);
    expect(await op.request('GET', '/api/jobs')).toEqual([]);
  });

  it('logs why a participant disconnected, one line per entry', async () => {
    const spec = join(tmp.dir, 'job.yaml');
    writeFileSync(spec, 'name: logs\nmodel: paper-cnn\nrounds: 1\n');
    const id = createdJobId((await runCli(['job', 'create', spec, '--data-dir', hubDir])).stdout);
    const inv = await runCli(['invite', 'create', '--name', 'Org A', '--job', id, '--data-dir', hubDir]);
    const token = decodeInvite(inv.stdout.trim().split('\n').pop() ?? '').token;
    const socket = await connectRaw(hub, { token, instanceId: 'inst-a' });
    const assigned = next(socket, 'job:assign');
    expect((await outcome(socket)).connected).toBe(true);
    await assigned;
    socket.disconnect();
    const op = await OperatorClient.connect(file);
    let logs: LogEntry[] = [];
    for (let i = 0; i < 50 && !logs.some((l) => /disconnected/.test(l.message)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      logs = await op.request<LogEntry[]>('GET', `/api/jobs/${id}/logs`);
    }
    expect(logs.map((l) => l.message)).toContain('Org A disconnected: the participant left');
    for (const l of logs) expect(l.message).not.toMatch(/\n/);
  });
});

/** The bearer token an OperatorClient signed in with (a fresh sign-in, same credentials). */
async function tokenOf(op: OperatorClient): Promise<string> {
  const res = await op.request<{ token: string }>('POST', '/api/login', {
    username: op.conn.username,
    password: op.conn.password,
  });
  return res.token;
}
