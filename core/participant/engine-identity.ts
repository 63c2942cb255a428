/**
 * The participant engine's identity handling: loads (or makes, at the first join) this
 * installation's Ed25519 key, tells the user its fingerprint and where it is kept, and signs
 * updates with it. Split from the engine so the key is reached only through these three methods.
 */
import { signUpdate, type UpdateClaim } from '../crypto/identity.ts';
import {
  displayFingerprint,
  loadOrCreateIdentity,
  type KeyProtector,
  type StoredIdentity,
} from './identity-store.ts';
import type { StateStore } from './state.ts';

/** This installation's identity key, loaded on first use. */
export class EngineIdentity {
  private identity: StoredIdentity | null = null;

  constructor(
    private readonly stateDir: string,
    private readonly keyProtector: KeyProtector | undefined,
    private readonly store: StateStore,
  ) {}

  /** Loads (or makes, at the first join) this installation's Ed25519 identity and shows its fingerprint. */
  async ensure(): Promise<StoredIdentity> {
    if (!this.identity) {
      const id = await loadOrCreateIdentity(this.stateDir, this.keyProtector);
      this.identity = id;
      this.store.update({ identity: { fingerprint: id.fingerprint } });
      const where = id.protected
        ? 'encrypted by the OS keychain'
        : `kept as a file readable by this user only, not encrypted: ${id.note}`;
      // A desktop app that wanted the keychain and could not have it says so louder than the CLI.
      const level = !id.protected && this.keyProtector ? 'warn' : 'info';
      this.store.log(level, `Identity key ${displayFingerprint(id)} (${where}).`);
    }
    return this.identity;
  }

  /** The identity key loaded when joining (rounds only run after a join). */
  loaded(): StoredIdentity {
    if (!this.identity) throw new Error('the identity key is not loaded: join first');
    return this.identity;
  }

  /** Signs an update claim with the identity key (base64). */
  signUpdate(claim: UpdateClaim): string {
    return Buffer.from(signUpdate(this.loaded().privateKeyPem, claim)).toString('base64');
  }
}
