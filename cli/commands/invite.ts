import type { Command } from 'commander';

/** Placeholder until the `invite` command lands; its owner replaces this file. */
export function registerInvite(_program: Command): void {}
