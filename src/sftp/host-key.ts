import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { writeFileAtomic } from '../storage/files.ts';

export interface HostKey {
  /** OpenSSH private key text, as ssh2's Server takes it. */
  privateKey: string;
  /** `ssh-ed25519 AAAA…` */
  publicKey: string;
  /** `SHA256:…`, as OpenSSH, WinSCP and FileZilla show it on first connect. */
  fingerprint: string;
}

/** Loads data_dir's ed25519 host key, generating it on first start; extra keys come from config. */
export function loadHostKeys(dataDir: string, extraKeyFiles: string[]): HostKey[] {
  const file = join(dataDir, 'ssh_host_ed25519_key');
  if (!existsSync(file)) {
    const pair = generateEd25519Key();
    writeFileAtomic(file, pair.private, 0o600);
    writeFileAtomic(`${file}.pub`, `${pair.public} idphotos\n`, 0o644);
  }
  return [file, ...extraKeyFiles].map((path) => describeKey(path, readFileSync(path, 'utf8')));
}

function describeKey(path: string, privateKey: string): HostKey {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new Error(`host key ${path} cannot be read: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  const blob = key.getPublicSSH();
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { privateKey, publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint };
}

/**
 * A new ed25519 key pair in OpenSSH format.
 * NB: ssh2's generator strips leading zero bytes from the public key, so about one key in 256
 * comes out malformed (31 bytes) and could never be read back: generate until one parses.
 */
export function generateEd25519Key(): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}
