import type { Command } from 'commander';

/** Placeholder until the `join` command lands; its owner replaces this file. */
export function registerJoin(_program: Command): void {}
