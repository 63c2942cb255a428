import type { Command } from 'commander';

/** Placeholder until the `bench-train` command lands; its owner replaces this file. */
export function registerBenchTrain(_program: Command): void {}
