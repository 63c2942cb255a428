/**
 * Offline password reset of a hub's operator: a new random password, hashed into hub.db and
 * written to operator.json, for an operator who lost it (the hub prints it only once).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openHubStore } from '../db/data-dir-check.ts';
import { fingerprintOfPem } from '../../core/net/pinned-tls.ts';
import {
  hashPassword,
  operatorFilePath,
  randomSecret,
  readOperatorFile,
  writeOperatorFile,
} from './operator-auth.ts';

/** Sets a new random password for `username` (default: the hub's first operator) and returns it. */
export async function resetOperatorPassword(
  dataDir: string,
  username?: string,
): Promise<{ username: string; password: string; operatorFile: string }> {
  const dbPath = join(dataDir, 'hub.db');
  if (!existsSync(dbPath) || statSync(dbPath).size === 0)
    throw new Error(`${dbPath} does not exist yet: start the hub once with --data-dir ${dataDir}.`);
  const { store } = openHubStore(dataDir);
  try {
    const user = username ?? store.firstOperator() ?? 'admin';
    const password = randomSecret(18);
    store.setOperatorPassword(user, await hashPassword(password));
    store.audit(null, 'cli', 'operator-password-reset', { username: user });
    const file = readOperatorFile(dataDir);
    const certFile = join(dataDir, 'hub-cert.pem');
    // Without an operator.json the hub's address is unknown here; the next start rewrites it.
    writeOperatorFile(dataDir, {
      url: file?.url || 'https://localhost:8443',
      fingerprint:
        file?.fingerprint ?? (existsSync(certFile) ? fingerprintOfPem(readFileSync(certFile, 'utf8')) : null),
      username: user,
      password,
    });
    return { username: user, password, operatorFile: operatorFilePath(dataDir) };
  } finally {
    store.close();
  }
}
