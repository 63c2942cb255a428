/**
 * `fedunify audit verify|export --data-dir DIR`: checks the hub's hash-chained audit log offline
 * (read-only; the hub may be running) and writes it out as JSON lines. verify exits 0 when the
 * chain, every signed update in it and the head (from `audit-head.json`, or `--head ID:HASH` as a
 * participant kept it) agree; 1 naming the first bad entry otherwise.
 */
import Database from 'better-sqlite3';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { verifyChain, type AuditRow } from '../../hub/db/audit-chain.ts';
import { AUDIT_HEAD_FILE, readHeadFile, type AuditHead } from '../../hub/db/audit-log.ts';

function openReadOnly(dataDir: string): Database.Database {
  const path = join(dataDir, 'hub.db');
  if (!existsSync(path)) {
    throw new Error(`No hub database at ${path}: give the hub's --data-dir.`);
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const cols = (db.prepare('PRAGMA table_info(audit)').all() as { name: string }[]).map((c) => c.name);
  if (!cols.includes('hash')) {
    db.close();
    throw new Error('This data folder predates the audit chain: start the hub on it once to seal its log.');
  }
  return db;
}

function parseHead(text: string): AuditHead {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) throw new Error(`--head must be ID:HASH (e.g. 42:3f9a…, 64 hex digits), got "${text}".`);
  return { id: Number(m[1]), hash: m[2] };
}

/** Verifies a data folder's audit log; returns the exit code and prints what it found. */
export function verifyAudit(dataDir: string, headArg?: string): number {
  const db = openReadOnly(dataDir);
  const rows = db.prepare('SELECT * FROM audit ORDER BY id').all() as AuditRow[];
  db.close();
  const given = headArg ? parseHead(headArg) : null;
  const filed = readHeadFile(join(dataDir, AUDIT_HEAD_FILE));
  const report = verifyChain(rows, given ?? filed);
  if (!report.ok) {
    console.error(`audit BROKEN at entry #${report.badId}: ${report.problem}.`);
    console.error(`(${report.entries} entries checked in ${dataDir})`);
    return 1;
  }
  if (!given && filed && report.head && report.head.id !== filed.id) {
    console.error(
      `audit BROKEN at entry #${filed.id + 1}: the head file names entry #${filed.id}, but the log continues to #${report.head.id}: ` +
        'entries were appended outside the hub (or the hub stopped between writing an entry and its head file).',
    );
    return 1;
  }
  const against = given
    ? `the head you gave (#${given.id})`
    : filed
      ? `the head file (#${filed.id})`
      : 'no head (none found)';
  console.log(
    `audit intact: ${report.entries} entries, ${report.signatures} signed updates verified, checked against ${against}.`,
  );
  if (report.head) console.log(`head #${report.head.id} ${report.head.hash}`);
  return 0;
}

/** Writes the audit entries (of one job, or all) as JSON lines. */
export async function exportAudit(
  dataDir: string,
  jobId: string | undefined,
  out: NodeJS.WritableStream,
): Promise<number> {
  const db = openReadOnly(dataDir);
  const rows = db.prepare('SELECT * FROM audit ORDER BY id').all() as AuditRow[];
  db.close();
  let n = 0;
  for (const r of rows) {
    const detail = JSON.parse(r.detail) as Record<string, unknown>;
    // A deleted job's entries stay: its own, and the hub's entry that deleted it.
    if (jobId && r.job_id !== jobId && detail.jobId !== jobId) continue;
    const line = {
      id: r.id,
      ts: r.ts,
      jobId: r.job_id,
      actor: r.actor,
      action: r.action,
      detail,
      prevHash: r.prev_hash,
      hash: r.hash,
    };
    out.write(JSON.stringify(line) + '\n');
    n++;
  }
  return n;
}

/** Registers `fedunify audit verify|export`. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description("Check and export a hub's tamper-evident audit log.");
  audit
    .command('verify')
    .description('Verify the hash chain, the signed updates and the head; exit 1 naming the first bad entry.')
    .requiredOption('--data-dir <dir>', "the hub's data folder")
    .option('--head <id:hash>', 'a chain head kept elsewhere (a participant logs one each round)')
    .action((flags: { dataDir: string; head?: string }) => {
      process.exitCode = verifyAudit(flags.dataDir, flags.head);
    });
  audit
    .command('export')
    .description('Write the audit entries as JSON lines (to stdout, or --out FILE).')
    .requiredOption('--data-dir <dir>', "the hub's data folder")
    .option('--job <id>', "only this job's entries (also after the job was deleted)")
    .option('--out <file>', 'write here instead of stdout')
    .action(async (flags: { dataDir: string; job?: string; out?: string }) => {
      const out = flags.out ? createWriteStream(flags.out) : process.stdout;
      const n = await exportAudit(flags.dataDir, flags.job, out);
      if (flags.out) {
        await new Promise<void>((resolve) => (out as ReturnType<typeof createWriteStream>).end(resolve));
        console.log(`${n} audit entries written to ${flags.out}.`);
      }
    });
}
