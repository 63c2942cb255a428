import type { Command } from 'commander';

/** Placeholder until the `hub` command lands; its owner replaces this file. */
export function registerHub(_program: Command): void {}
