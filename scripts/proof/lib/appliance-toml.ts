import { hashPassword } from '../../../src/shared/passwords.ts';

export interface SftpAccountSpec {
  username: string;
  /** Plain text; hashed with argon2id here. Omit for a key-only account. */
  password?: string;
  /** OpenSSH public key lines. */
  authorizedKeys?: string[];
}

export interface WebAccountSpec {
  username: string;
  password: string;
  role: 'admin' | 'staff';
}

/** An appliance for a test, a benchmark or a proof run; both listeners on 127.0.0.1:0. */
export interface ApplianceSpec {
  /** Omit to keep the default, relative to the folder parseConfig is given. */
  dataDir?: string;
  /** Omit to leave out the [log] table. */
  logLevel?: 'silent' | 'warn' | 'info';
  /** Bare keys of [sftp], written after `listen`. */
  sftpToml?: string;
  sftpAccounts?: SftpAccountSpec[];
  /** Bare keys of [web], written after `listen` and before the accounts. */
  webToml?: string;
  webAccounts?: WebAccountSpec[];
  /** Whole tables, appended last. */
  extraToml?: string;
}

// argon2id costs tens of milliseconds by design; sites started over and over in one test file
// share the hash of a password they repeat.
const hashes = new Map<string, Promise<string>>();
function hashOnce(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) hashes.set(password, (hash = hashPassword(password)));
  return hash;
}

/**
 * The text of an appliance.toml, each distinct password hashed once per process.
 *
 * @example
 * const toml = await applianceToml({ logLevel: 'silent', webAccounts: [{ username: 'admin', password: 'pw', role: 'admin' }] });
 * const app = await createApp(parseConfig(toml, '', dir));
 */
export async function applianceToml(spec: ApplianceSpec): Promise<string> {
  const lines: string[] = [];
  if (spec.dataDir !== undefined) lines.push(`data_dir = ${JSON.stringify(spec.dataDir)}`);
  if (spec.logLevel) lines.push('[log]', `level = "${spec.logLevel}"`);
  lines.push('[sftp]', 'listen = "127.0.0.1:0"');
  if (spec.sftpToml) lines.push(spec.sftpToml);
  for (const a of spec.sftpAccounts ?? []) {
    lines.push('[[sftp.accounts]]', `username = ${JSON.stringify(a.username)}`);
    if (a.password !== undefined) lines.push(`password_hash = "${await hashOnce(a.password)}"`);
    if (a.authorizedKeys) lines.push(`authorized_keys = ${JSON.stringify(a.authorizedKeys)}`);
  }
  lines.push('[web]', 'listen = "127.0.0.1:0"');
  if (spec.webToml) lines.push(spec.webToml);
  for (const a of spec.webAccounts ?? []) {
    lines.push('[[web.accounts]]', `username = ${JSON.stringify(a.username)}`, `password_hash = "${await hashOnce(a.password)}"`, `role = "${a.role}"`);
  }
  if (spec.extraToml) lines.push(spec.extraToml);
  return `${lines.join('\n')}\n`;
}
