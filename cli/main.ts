/**
 * The `fedunify` command. Each command lives in its own file under cli/commands and registers
 * itself on the program; this file only wires them together and turns errors into clear exits.
 */
import { Command, CommanderError } from 'commander';
import { registerTrain } from './commands/train.ts';
import { registerBenchTrain } from './commands/bench-train.ts';
import { registerBenchRound } from './commands/bench-round.ts';
import { registerBenchUnify } from './commands/bench-unify.ts';
import { registerHub } from './commands/hub.ts';
import { registerJob } from './commands/job.ts';
import { registerInvite } from './commands/invite.ts';
import { registerJoin } from './commands/join.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerPrivacy } from './commands/privacy.ts';
import { registerAudit } from './commands/audit.ts';

const program = new Command()
  .name('fedunify')
  .description('Federated training of one shared CNN across organizations that cannot pool their data.')
  .showHelpAfterError()
  // Options after a subcommand belong to it (`hub --data-dir` vs `hub reset-password --data-dir`).
  .enablePositionalOptions()
  .exitOverride();

registerTrain(program);
const bench = program.command('bench').description('Benchmarks: training throughput and round overhead.');
registerBenchTrain(bench);
registerBenchRound(bench);
registerBenchUnify(bench);
registerHub(program);
registerJob(program);
registerInvite(program);
registerJoin(program);
registerSimulate(program);
registerPrivacy(program);
registerAudit(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    console.error(`fedunify: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.FEDUNIFY_DEBUG && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  }
}
