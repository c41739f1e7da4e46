import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, SftpAccountConfig, WebAccountConfig } from '../../config/schema.ts';
import { generatePassword, hashPassword } from '../../shared/passwords.ts';
import { writeFileAtomic } from '../../storage/files.ts';

export interface Accounts {
  sftp: SftpAccountConfig[];
  web: WebAccountConfig[];
}

export interface GeneratedCredential {
  service: 'sftp' | 'web';
  username: string;
  password: string;
}

const FILE = 'generated-accounts.json';

/**
 * The accounts in force. Where the configuration names none for a service, a first account
 * is generated once with a random password: only its hash is kept (in data_dir), and the
 * password is returned to be shown once on the console. There is never a built-in password.
 */
export async function resolveAccounts(config: Config): Promise<{ accounts: Accounts; generated: GeneratedCredential[] }> {
  const file = join(config.data_dir, FILE);
  const stored: Partial<Accounts> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const generated: GeneratedCredential[] = [];
  let changed = false;

  let sftp = config.sftp.accounts;
  if (sftp.length === 0) {
    if (!stored.sftp?.length) {
      const password = generatePassword();
      stored.sftp = [{ username: 'district', password_hash: await hashPassword(password), authorized_keys: [] }];
      generated.push({ service: 'sftp', username: 'district', password });
      changed = true;
    }
    sftp = stored.sftp;
  }
  let web = config.web.accounts;
  if (web.length === 0) {
    if (!stored.web?.length) {
      const password = generatePassword();
      stored.web = [{ username: 'admin', password_hash: await hashPassword(password), role: 'admin' }];
      generated.push({ service: 'web', username: 'admin', password });
      changed = true;
    }
    web = stored.web;
  }
  if (changed) writeFileAtomic(file, `${JSON.stringify(stored, null, 2)}\n`, 0o600);
  return { accounts: { sftp, web }, generated };
}
