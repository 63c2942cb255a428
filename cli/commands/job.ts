import type { Command } from 'commander';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { JobRecord, ParticipantRecord, RoundRecord } from '../../core/wire/protocol.ts';
import {
  addConnectionFlags,
  ApiError,
  connectFromFlags,
  type FlagsWithConnection,
} from '../operator-client.ts';

function showJob(job: JobRecord): void {
  console.log(
    `${job.id}  ${job.status.padEnd(9)}  round ${job.currentRound}/${job.spec.rounds}  ${job.spec.method}  ${job.spec.name}`,
  );
  console.log(`  ${job.statusDetail}`);
}

/** Turns a 400 with issues into lines an operator can act on. */
function explain(err: unknown, file: string): never {
  if (err instanceof ApiError && err.status === 400) {
    const issues =
      (err.body as { issues?: { path: string; line?: number; message: string }[] } | null)?.issues ?? [];
    const lines = issues.map(
      (i) => `  ${file}${i.line !== undefined ? `:${i.line}` : ''}: ${i.path}: ${i.message}`,
    );
    throw new Error(['The job spec was refused:', ...lines].join('\n'));
  }
  throw err;
}

/** Registers `fedunify job create|list|show|abort|delete|download`. */
export function registerJob(program: Command): void {
  const job = program.command('job').description("Manage a hub's jobs.");
  addConnectionFlags(
    job.command('create').description('Create a job from a YAML or JSON file.').argument('<file>'),
  ).action(async (file: string, flags: FlagsWithConnection) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
    }
    const type = extname(file).toLowerCase() === '.json' ? 'application/json' : 'text/yaml';
    const client = await connectFromFlags(flags);
    const created = await client
      .request<JobRecord>('POST', '/api/jobs', text, type)
      .catch((err: unknown) => explain(err, file));
    console.log(
      `Created job ${created.id}. Invite organizations: fedunify invite create --name "Org A" --job ${created.id}`,
    );
  });
  addConnectionFlags(job.command('list').description('List jobs.')).action(
    async (flags: FlagsWithConnection) => {
      const client = await connectFromFlags(flags);
      const jobs = await client.request<JobRecord[]>('GET', '/api/jobs');
      if (jobs.length === 0) console.log('No jobs yet: fedunify job create job.yaml');
      jobs.forEach(showJob);
    },
  );
  addConnectionFlags(
    job.command('show').description('Show a job, its participants and rounds.').argument('<id>'),
  ).action(async (id: string, flags: FlagsWithConnection) => {
    const client = await connectFromFlags(flags);
    const path = `/api/jobs/${encodeURIComponent(id)}`;
    showJob(await client.request<JobRecord>('GET', path));
    const participants = await client.request<ParticipantRecord[]>('GET', `${path}/participants`);
    for (const p of participants) {
      console.log(
        `  participant ${p.name} (${p.id}): ${p.connected ? p.state : 'offline'}, round ${p.round}, ${p.backend?.backend ?? '?'}`,
      );
    }
    const rounds = await client.request<RoundRecord[]>('GET', `${path}/rounds`);
    for (const r of rounds) {
      const acc = r.hubAccuracy === null ? '' : ` hub ${(r.hubAccuracy * 100).toFixed(2)}%`;
      const locals = r.participants.map(
        (p) =>
          `${p.name} ${p.unifiedLocalAccuracy === null ? '-' : (p.unifiedLocalAccuracy * 100).toFixed(2) + '%'}`,
      );
      console.log(`  round ${r.round} ${r.completedAt ? 'done' : 'open'}${acc}  ${locals.join(', ')}`);
    }
  });
  addConnectionFlags(
    job.command('abort').description('Abort a waiting or running job.').argument('<id>'),
  ).action(async (id: string, flags: FlagsWithConnection) => {
    const client = await connectFromFlags(flags);
    showJob(await client.request<JobRecord>('POST', `/api/jobs/${encodeURIComponent(id)}/abort`));
  });
  addConnectionFlags(
    job.command('delete').description('Delete a job and everything recorded about it.').argument('<id>'),
  ).action(async (id: string, flags: FlagsWithConnection) => {
    const client = await connectFromFlags(flags);
    await client.request('DELETE', `/api/jobs/${encodeURIComponent(id)}`);
    console.log(`Deleted job ${id}.`);
  });
  addConnectionFlags(
    job
      .command('download')
      .description('Download the unified model (TF.js Layers format) and the results.')
      .argument('<id>')
      .requiredOption(
        '--out <dir>',
        'folder to write model.json, weights.bin, results.json and results.csv into',
      )
      .option('--round <n>', 'the checkpoint of this round instead of the latest'),
  ).action(async (id: string, flags: FlagsWithConnection & { out: string; round?: string }) => {
    const client = await connectFromFlags(flags);
    const base = `/api/jobs/${encodeURIComponent(id)}`;
    const q = flags.round !== undefined ? `?round=${encodeURIComponent(flags.round)}` : '';
    const modelJson = await client.request<{ weightsManifest: { paths: string[] }[] }>(
      'GET',
      `${base}/model/model.json${q}`,
    );
    // On disk the weights file sits next to model.json under its plain name.
    modelJson.weightsManifest = modelJson.weightsManifest.map((g) => ({ ...g, paths: ['weights.bin'] }));
    const weights = await client.getBytes(`${base}/model/weights.bin${q}`);
    mkdirSync(flags.out, { recursive: true });
    writeFileSync(join(flags.out, 'model.json'), JSON.stringify(modelJson));
    writeFileSync(join(flags.out, 'weights.bin'), weights);
    writeFileSync(join(flags.out, 'results.json'), await client.getBytes(`${base}/results.json`));
    writeFileSync(join(flags.out, 'results.csv'), await client.getBytes(`${base}/results.csv`));
    console.log(
      `Wrote model.json, weights.bin (${weights.length} bytes), results.json and results.csv to ${flags.out}`,
    );
  });
}
