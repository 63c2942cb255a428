import type { Command } from 'commander';

/** Placeholder until the `job` command lands; its owner replaces this file. */
export function registerJob(_program: Command): void {}
