import type { Command } from 'commander';

/** Placeholder until the `bench-round` command lands; its owner replaces this file. */
export function registerBenchRound(_program: Command): void {}
