import type { Command } from 'commander';

/** Placeholder until the `simulate` command lands; its owner replaces this file. */
export function registerSimulate(_program: Command): void {}
