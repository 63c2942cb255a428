/**
 * Journey "the hub can never be bricked by its own state", through `fedunify hub` and the CLI as
 * child processes: oversized jobs are refused before they are stored, a stored job that cannot be
 * loaded fails alone, and a lost, damaged or too new hub.db or a lost certificate key is refused
 * at start with its path and what to do.
 */
import { existsSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './hub-helpers.ts';
import { createdJobId, runCli, spawnHub, type SpawnedHub } from './spawned-hub.ts';

/** A dense layer of 4,194,304 × 65,536 weights: about 2.7e11 parameters. */
const HUGE_JOB = `name: huge
model:
  name: huge
  inputShape: [1024, 1024, 4]
  numClasses: 10
  layers:
    - type: flatten
    - type: dense
      units: 65536
    - type: dense
      units: 10
      activation: softmax
rounds: 1
`;
const SMALL_JOB = 'name: small\nmodel: paper-cnn\nrounds: 1\n';

const onWindows = process.platform === 'win32';
if (onWindows) console.log('skipping the file-mode test: Windows has no POSIX permissions');

// Each test runs several child processes: generous time on a loaded machine.
describe('fedunify hub (child process): its own state never bricks it', { timeout: 400_000 }, () => {
  let tmp: { dir: string; cleanup: () => void };
  let hubDir = '';
  let hub: SpawnedHub | null = null;
  beforeEach(() => {
    tmp = tempDir();
    hubDir = join(tmp.dir, 'hub');
  });
  afterEach(async () => {
    await hub?.stop();
    hub = null;
    tmp.cleanup();
  });

  /** Starts a hub on hubDir, creates one small job, and stops it cleanly (hub.db checkpointed). */
  async function existingHub(): Promise<string> {
    hub = await spawnHub(hubDir);
    const file = join(tmp.dir, 'small.yaml');
    writeFileSync(file, SMALL_JOB);
    const created = await runCli(['job', 'create', file, '--data-dir', hubDir]);
    expect(created.code, created.stderr).toBe(0);
    expect(await hub.stop()).toBe(0);
    hub = null;
    return createdJobId(created.stdout);
  }

  /** Starts a hub that must refuse to start; returns what it printed. */
  async function refusedStart(args: string[] = []): Promise<string> {
    const res = await runCli(['hub', '--data-dir', hubDir, '--port', '0', ...args]);
    expect(res.code).toBe(1);
    expect(res.stdout).not.toMatch(/FEDUNIFY_HUB_READY/);
    return res.stderr;
  }

  it('refuses a 2.7e11-parameter job before storing it, naming the field and the limit, and restarts cleanly', async () => {
    hub = await spawnHub(hubDir);
    const file = join(tmp.dir, 'huge.yaml');
    writeFileSync(file, HUGE_JOB);
    const res = await runCli(['job', 'create', file, '--data-dir', hubDir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/model: the model has 274,\d{3},\d{3},\d{3} parameters/);
    expect(res.stderr).toMatch(/limit of 50,000,000/);
    expect(res.stderr).toMatch(/--max-model-params/);
    const listed = await runCli(['job', 'list', '--data-dir', hubDir]);
    expect(listed.stdout).toMatch(/No jobs yet/);
    expect(await hub.stop()).toBe(0);
    hub = await spawnHub(hubDir);
    expect((await runCli(['job', 'list', '--data-dir', hubDir])).stdout).toMatch(/No jobs yet/);
  });

  it('honours --max-model-params: the paper CNN is refused by a hub limited to 100,000 parameters', async () => {
    hub = await spawnHub(hubDir, ['--max-model-params', '100000']);
    const file = join(tmp.dir, 'small.yaml');
    writeFileSync(file, SMALL_JOB);
    const res = await runCli(['job', 'create', file, '--data-dir', hubDir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/106,442 parameters, over this hub's limit of 100,000/);
  });

  it('marks a stored job that cannot be loaded as failed with its reason and serves the others', async () => {
    const good = await existingHub();
    const db = new Database(join(hubDir, 'hub.db'));
    const broken = JSON.stringify({
      name: 'broken',
      model: {
        name: 'bad',
        inputShape: [2, 2, 1],
        numClasses: 2,
        layers: [{ type: 'maxPool2d', poolSize: 8 }],
      },
      rounds: 1,
    });
    db.prepare(
      `INSERT INTO jobs (id, spec, status, current_round, status_detail, created_at, updated_at)
       VALUES ('job-broken', ?, 'waiting', 0, '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    ).run(broken);
    db.close();
    hub = await spawnHub(hubDir);
    const listed = await runCli(['job', 'list', '--data-dir', hubDir]);
    expect(listed.stdout).toMatch(/job-broken\s+failed/);
    expect(listed.stdout).toMatch(/could not be loaded when the hub started: .*pool/i);
    expect(listed.stdout).toMatch(new RegExp(`${good}\\s+waiting`));
    expect(hub.output()).toMatch(/ERROR \[jobs\] job-broken job "broken" could not be loaded/);
  });

  it('refuses an emptied hub.db beside the existing certificate and operator file, naming hub.db', async () => {
    await existingHub();
    writeFileSync(join(hubDir, 'hub.db'), '');
    const err = await refusedStart();
    expect(err).toContain(join(hubDir, 'hub.db'));
    expect(err).toMatch(/is empty, but this data folder belongs to an existing hub/);
    expect(err).toMatch(/restore .* from a backup/);
    expect(statSync(join(hubDir, 'hub.db')).size).toBe(0);
  });

  it('refuses a deleted hub.db beside the existing certificate and operator file', async () => {
    await existingHub();
    rmSync(join(hubDir, 'hub.db'));
    const err = await refusedStart();
    expect(err).toMatch(/hub\.db is missing, but this data folder belongs to an existing hub/);
    expect(existsSync(join(hubDir, 'hub.db'))).toBe(false);
  });

  it('refuses a truncated hub.db after an integrity check', async () => {
    await existingHub();
    truncateSync(join(hubDir, 'hub.db'), 8192);
    const err = await refusedStart();
    expect(err).toMatch(/hub\.db is damaged and cannot be used \(.*malformed.*\)/);
    expect(err).toMatch(/restore/);
  });

  it('refuses a hub.db that is not a database', async () => {
    await existingHub();
    writeFileSync(join(hubDir, 'hub.db'), Buffer.alloc(20_000, 0x5a));
    expect(await refusedStart()).toMatch(/hub\.db is damaged and cannot be used \(file is not a database\)/);
  });

  it('refuses a hub.db written by a newer FedUnify', async () => {
    await existingHub();
    const db = new Database(join(hubDir, 'hub.db'));
    db.pragma('user_version = 99');
    db.close();
    const err = await refusedStart();
    expect(err).toContain(join(hubDir, 'hub.db'));
    expect(err).toMatch(/newer FedUnify \(schema 99/);
  });

  it('refuses to start under a new identity when the key is lost, unless --new-identity', async () => {
    await existingHub();
    rmSync(join(hubDir, 'hub-key.pem'));
    const err = await refusedStart();
    expect(err).toMatch(/hub-key\.pem is missing/);
    expect(err).toMatch(/pins the old certificate's fingerprint/);
    expect(err).toMatch(/--new-identity/);
    hub = await spawnHub(hubDir, ['--new-identity']);
    expect(hub.output()).toMatch(/WARN \[hub\] new certificate/);
    // operator.json follows the new certificate, so the CLI on this host still connects.
    expect((await runCli(['job', 'list', '--data-dir', hubDir])).code).toBe(0);
  });

  it.skipIf(onWindows)('creates hub.db, the key and operator.json readable by the owner only', async () => {
    hub = await spawnHub(hubDir);
    for (const file of ['hub.db', 'hub-key.pem', 'operator.json']) {
      expect((statSync(join(hubDir, file)).mode & 0o777).toString(8), file).toBe('600');
    }
    expect((statSync(hubDir).mode & 0o077).toString(8)).toBe('0');
  });
});
