/**
 * The stable id of this installation (stateDir/instance-id): the hub tells a reconnecting
 * participant from a new one by it. Its own module because it is file I/O the engine does once.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads stateDir/instance-id, or writes a new random one there when it is missing or empty. */
export function stableInstanceId(stateDir: string): string {
  const file = join(stateDir, 'instance-id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  }
  mkdirSync(stateDir, { recursive: true });
  const id = randomUUID();
  writeFileSync(file, id + '\n');
  return id;
}
