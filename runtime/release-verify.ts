import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { RigError } from './errors.js';

/** The hex digest of a sha256sum line; the file name, when present, must be the tarball's. */
export function parseSha256File(text: string, tarballName: string): string | null {
  const m = /^([0-9a-fA-F]{64})(?:\s+\*?(\S+))?\s*$/m.exec(text.trim());
  if (!m) return null;
  if (m[2] && m[2] !== tarballName) return null;
  return m[1]!.toLowerCase();
}

export interface Published {
  tarballName: string;
  /** SHA-256 of the downloaded bytes, computed while they were written. */
  sha256: string;
  bytes: Uint8Array;
  sha256File: string | null;
  sig: Uint8Array | null;
}

/**
 * Refuses a download the project did not publish. Order matters for the codes an operator sees:
 * no key installed first (nothing can be trusted), then the checksum (a broken download), then the
 * signature (the only check an attacker who controls the download cannot pass).
 */
export function verifyPublished(p: Published, publicKeyPem: string | null): void {
  if (!publicKeyPem) throw new RigError('NO_PUBLIC_KEY', 'no updater.publicKey is configured: updates are refused until one is installed');
  const key = publicKey(publicKeyPem);
  if (p.sha256File === null) throw new RigError('CHECKSUM_MISSING', `the release has no ${p.tarballName}.sha256`);
  const expected = parseSha256File(p.sha256File, p.tarballName);
  if (!expected) throw new RigError('CHECKSUM_MALFORMED', `${p.tarballName}.sha256 is not a sha256sum line for ${p.tarballName}`);
  if (expected !== p.sha256) {
    throw new RigError('CHECKSUM_MISMATCH', `downloaded ${p.tarballName} has SHA-256 ${p.sha256}, the release publishes ${expected}`);
  }
  if (p.sig === null || p.sig.length === 0) throw new RigError('SIGNATURE_MISSING', `the release has no ${p.tarballName}.sig`);
  if (!verify(null, p.bytes, key, p.sig)) {
    throw new RigError('SIGNATURE_BAD', `${p.tarballName}.sig is not a valid signature of the project's key over the tarball`);
  }
}

export function publicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new RigError('NO_PUBLIC_KEY', `updater.publicKey is not a PEM public key: ${(err as Error).message}`, { field: 'updater.publicKey' });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new RigError('NO_PUBLIC_KEY', `updater.publicKey is ${key.asymmetricKeyType}, releases are signed with ed25519`, { field: 'updater.publicKey' });
  }
  return key;
}
