import type { Command } from 'commander';
import { resetOperatorPassword } from '../../hub/operator/reset-password.ts';

/** Registers `fedunify hub reset-password --data-dir DIR`: prints a new operator password. */
export function registerResetPassword(hub: Command): void {
  hub
    .command('reset-password')
    .description("Set a new random password for the hub's operator and print it (works while the hub runs).")
    .requiredOption('--data-dir <dir>', "the hub's data folder")
    .option('--user <name>', 'the operator account (default: the first one, usually admin)')
    .action(async (flags: { dataDir: string; user?: string }) => {
      const { username, password, operatorFile } = await resetOperatorPassword(flags.dataDir, flags.user);
      console.log(`New operator password for ${username}: ${password}`);
      console.log(`  (also saved to ${operatorFile}, readable by you only; sign in again with it)`);
    });
}
