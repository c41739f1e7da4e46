import { timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2 from 'ssh2';
import type { SftpAccountConfig } from '../config/schema.ts';
import { dummyPasswordHash, verifyPassword } from '../shared/passwords.ts';

/** Where argon2 work waits its turn: shared with web sign-in, by source address. */
export interface PasswordChecks {
  run<T>(source: string, task: () => Promise<T>): Promise<T>;
}

type ParsedKey = ReturnType<typeof ssh2.utils.parseKey> & { getPublicSSH(): Buffer; verify(data: Buffer, sig: Buffer, hash?: string): boolean | Error };

interface Account {
  username: string;
  passwordHash?: string;
  keys: ParsedKey[];
}

/** How long a failed attempt waits before its answer: slows guessing, hides timing. */
export const FAILURE_DELAY_MS = 400;

/**
 * Checks SFTP credentials against the configured accounts. Unknown users cost the same as
 * known ones (a dummy hash is verified), and hashes and key blobs are compared in constant
 * time.
 */
export class Authenticator {
  private readonly accounts = new Map<string, Account>();

  constructor(
    configured: SftpAccountConfig[],
    private readonly checks?: PasswordChecks,
  ) {
    for (const a of configured) {
      const keys: ParsedKey[] = [];
      for (const line of a.authorized_keys) {
        const parsed = ssh2.utils.parseKey(line.trim());
        if (parsed instanceof Error) throw new Error(`sftp account "${a.username}": an authorized_keys entry cannot be read: ${parsed.message}`);
        keys.push((Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey);
      }
      this.accounts.set(a.username, { username: a.username, passwordHash: a.password_hash || undefined, keys });
    }
  }

  async checkPassword(username: string, password: string, source = ''): Promise<boolean> {
    const account = this.accounts.get(username);
    const hash = account?.passwordHash ?? (await dummyPasswordHash());
    const ok = await (this.checks ? this.checks.run(source, () => verifyPassword(password, hash)) : verifyPassword(password, hash));
    return ok && !!account?.passwordHash;
  }

  /** The account's key matching this public key blob, if any. */
  findKey(username: string, algo: string, blob: Buffer): ParsedKey | undefined {
    const account = this.accounts.get(username);
    if (!account) return undefined;
    let found: ParsedKey | undefined;
    for (const key of account.keys) {
      const mine = key.getPublicSSH();
      if (mine.length === blob.length && timingSafeEqual(mine, blob) && sameKeyType(key, algo)) found = key;
    }
    return found;
  }

  verifySignature(key: ParsedKey, data: Buffer, signature: Buffer, hashAlgo?: string): boolean {
    return key.verify(data, signature, hashAlgo) === true;
  }

  failureDelay(): Promise<void> {
    return sleep(FAILURE_DELAY_MS + Math.floor(Math.random() * 200));
  }
}

// rsa-sha2-256/512 signatures use an ssh-rsa key.
function sameKeyType(key: ParsedKey, algo: string): boolean {
  const type = (key as unknown as { type: string }).type;
  return type === algo || (type === 'ssh-rsa' && algo.startsWith('rsa-sha2-'));
}
