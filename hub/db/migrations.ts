/**
 * The hub database schema as an ordered list of migrations; `PRAGMA user_version` records how
 * many have run, so an older data folder is upgraded in place on start.
 */
import type Database from 'better-sqlite3';

const MIGRATIONS: string[] = [
  `
  CREATE TABLE operators (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    current_round INTEGER NOT NULL DEFAULT 0,
    status_detail TEXT NOT NULL DEFAULT '',
    end_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    job_id TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE participants (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    invite_id TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    name TEXT NOT NULL,
    dataset TEXT,
    backend TEXT,
    state TEXT NOT NULL DEFAULT 'offline',
    round INTEGER NOT NULL DEFAULT 0,
    samples_per_sec REAL,
    last_seen TEXT NOT NULL,
    UNIQUE (job_id, instance_id)
  );
  CREATE TABLE rounds (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    method TEXT NOT NULL,
    started_at TEXT NOT NULL,
    completed_at TEXT,
    deadline INTEGER NOT NULL,
    unify_ms REAL,
    PRIMARY KEY (job_id, round)
  );
  CREATE TABLE updates (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    participant_id TEXT NOT NULL,
    samples INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    weights BLOB,
    received_at TEXT NOT NULL,
    PRIMARY KEY (job_id, round, participant_id)
  );
  CREATE TABLE round_methods (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    method TEXT NOT NULL,
    hub_accuracy REAL,
    hub_loss REAL,
    PRIMARY KEY (job_id, round, method)
  );
  CREATE TABLE evals (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    participant_id TEXT NOT NULL,
    accuracy REAL NOT NULL,
    loss REAL NOT NULL,
    samples INTEGER NOT NULL,
    PRIMARY KEY (job_id, round, participant_id)
  );
  CREATE TABLE checkpoints (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    weights BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (job_id, round)
  );
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    job_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE TABLE logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    message TEXT NOT NULL,
    job_id TEXT
  );
  CREATE INDEX logs_job ON logs (job_id, id);
  CREATE INDEX audit_job ON audit (job_id, id);
  `,
  // Hub-test evaluation runs after the round is unified; its duration per round.
  `ALTER TABLE rounds ADD COLUMN eval_ms REAL;`,
  // A job's server-optimizer moments after its last completed round (written with the checkpoint).
  `CREATE TABLE server_optimizer_state (
    job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    optimizer TEXT NOT NULL,
    round INTEGER NOT NULL,
    step INTEGER NOT NULL,
    m BLOB NOT NULL,
    v BLOB NOT NULL
  );`,
  // Log entries keep one line in `message`; stack traces and context go here.
  `ALTER TABLE logs ADD COLUMN details TEXT;`,
  // Identity and evidence (issue 8): invites bind an Ed25519 key; the audit log becomes a hash chain.
  `
  ALTER TABLE invites ADD COLUMN public_key TEXT;
  ALTER TABLE invites ADD COLUMN enrolled_at TEXT;
  ALTER TABLE participants ADD COLUMN key_fingerprint TEXT;
  ALTER TABLE audit ADD COLUMN prev_hash TEXT;
  ALTER TABLE audit ADD COLUMN hash TEXT;
  CREATE TABLE update_stats (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    round INTEGER NOT NULL,
    participant_id TEXT NOT NULL,
    distance_global REAL NOT NULL,
    distance_median REAL NOT NULL,
    score REAL NOT NULL,
    outlier INTEGER NOT NULL,
    PRIMARY KEY (job_id, round, participant_id)
  );
  `,
  // Which owner's value max and absmax picked per layer (core/unify/pick-stats.ts), JSON; issue 11.
  `ALTER TABLE rounds ADD COLUMN pick_stats TEXT;`,
];

/** Brings the database schema up to date; returns how many migrations ran. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `This data folder was written by a newer FedUnify (schema ${current}, this one knows ${MIGRATIONS.length}). Upgrade FedUnify.`,
    );
  }
  const pending = MIGRATIONS.slice(current);
  db.transaction(() => {
    pending.forEach((sql, i) => {
      db.exec(sql);
      db.pragma(`user_version = ${current + i + 1}`);
    });
  })();
  return pending.length;
}
