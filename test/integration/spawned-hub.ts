/**
 * The hub and CLI as a user runs them: `node bin/fedunify.js hub ...` as a child process (ready
 * when it prints its FEDUNIFY_HUB_READY line), and one-shot `fedunify` commands with their output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { pinnedTlsOptions } from '../../core/net/pinned-tls.ts';

/** The repository's `fedunify` entry point. */
export const FEDUNIFY_BIN = fileURLToPath(new URL('../../bin/fedunify.js', import.meta.url));

/** A hub running in its own process. */
export interface SpawnedHub {
  url: string;
  fingerprint: string | null;
  proc: ChildProcess;
  /** Everything the hub printed so far (stdout and stderr interleaved). */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** What a finished command printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(proc: ChildProcess): () => string {
  let text = '';
  proc.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
}

/**
 * Starts `fedunify hub --data-dir DIR --port 0 ARGS` and resolves once it is ready; rejects with
 * its output when it exits first or is not ready within `ms`.
 */
export function spawnHub(dataDir: string, args: string[] = [], ms = 180_000): Promise<SpawnedHub> {
  const proc = spawn(process.execPath, [FEDUNIFY_BIN, 'hub', '--data-dir', dataDir, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(proc);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return proc.exitCode;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the hub was not ready within ${ms} ms:\n${output()}`));
    }, ms);
    const onData = (): void => {
      const line = /^FEDUNIFY_HUB_READY (.*)$/m.exec(output());
      if (!line) return;
      clearTimeout(timer);
      proc.stdout?.off('data', onData);
      const ready = JSON.parse(line[1]) as { url: string; fingerprint: string | null };
      resolve({ ...ready, proc, output, stop });
    };
    proc.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the hub exited with code ${code} before it was ready:\n${output()}`));
    });
  });
}

/** Runs `fedunify ARGS` to completion (killed after `ms`). */
export function runCli(args: string[], ms = 240_000): Promise<CliResult> {
  return runNode(FEDUNIFY_BIN, args, ms);
}

/** Runs a plain Node script (no tsx) with arguments, e.g. a loader that must work on its own. */
export function runNode(script: string, args: string[], ms = 240_000): Promise<CliResult> {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
  return new Promise((resolve) => {
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The job id in `fedunify job create`'s output ("Created job job-..."). */
export function createdJobId(stdout: string): string {
  const m = /Created job (job-[0-9a-f]+)/.exec(stdout);
  if (!m) throw new Error(`no job id in: ${stdout}`);
  return m[1];
}

/** An HTTP answer with its headers. */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Sends one request to a hub exactly as given (path not normalized), its certificate pinned. */
export async function rawRequest(
  hub: Pick<SpawnedHub, 'url' | 'fingerprint'>,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const tls = hub.fingerprint ? await pinnedTlsOptions(hub.url, hub.fingerprint) : {};
  const target = new URL(hub.url);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: {
          ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
          ...opts.headers,
        },
        ...tls,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
