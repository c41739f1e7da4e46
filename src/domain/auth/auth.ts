import { createHash } from 'node:crypto';
import type { WebAccountConfig, WebConfig } from '../../config/schema.ts';
import { AppError, isAppError, isDiskFull } from '../../shared/errors.ts';
import { dummyPasswordHash, verifyPassword } from '../../shared/passwords.ts';
import type { Storage } from '../../storage/index.ts';
import type { StaffRow } from '../../storage/staff-store.ts';
import type { Directories, DirectoryPerson } from './directory.ts';
import { createDirectoryRecheck } from './directory-recheck.ts';
import { createFairQueue } from './fair-queue.ts';
import { createLoginLimiter } from './login-limiter.ts';
import { createSessionStore, type SessionRow } from './sessions.ts';
import { createStaffRegistry } from './staff.ts';

export type WebRole = WebAccountConfig['role'];

/** Who is signed in, as the edges see it. */
export interface SignedIn {
  /** What the audit log names: the local user name, or the directory identity (e-mail or DN). */
  username: string;
  /** How they signed in; `token` for another system reading with an integration token (web/middleware/bearer-token.ts). */
  method: StaffRow['method'] | 'token';
  role: WebRole;
  csrfToken: string;
  createdAt: string;
}

export interface SignInResult {
  token: string;
  user: SignedIn;
}

/** Sessions opened through a directory carry this instead of a password fingerprint. */
const DIRECTORY_CREDENTIAL = 'directory';

/**
 * Web sign-in: the `[[web.accounts]]` argon2id hashes (the break-glass way in), and the
 * directories of `[web.ldap]` and `[web.oidc]` when configured. Sessions live in SQLite and
 * belong to a person (web_staff), whom an admin can block; failures are limited per IP.
 * A local account's role is read from the accounts on every request; a directory person's role
 * is the directory's answer, asked again every `directory_recheck_minutes`.
 */
export function createAuth(
  storage: Pick<Storage, 'sessions' | 'staff'>,
  web: Pick<WebConfig, 'session_idle_minutes' | 'login_max_failures' | 'login_window_seconds'> & Partial<Pick<WebConfig, 'login_concurrent_checks'>>,
  accounts: WebAccountConfig[],
  directories?: Directories,
) {
  const sessions = createSessionStore(storage.sessions, web.session_idle_minutes);
  const limiter = createLoginLimiter({ maxFailures: web.login_max_failures, windowSeconds: web.login_window_seconds });
  // argon2 is deliberately costly (and hash-wasm runs it on the main thread): bounded over all
  // addresses, taking turns between them.
  const hashing = createFairQueue(web.login_concurrent_checks ?? 2);
  const byName = new Map(accounts.map((a) => [a.username, a]));
  // Computed once: authenticate runs on every request, each thumbnail included.
  const credentials = new Map(accounts.map((a) => [a.username, credentialOf(a)]));
  const staff = createStaffRegistry(storage.staff, storage.sessions, () => sessions.forget());
  const recheck = directories ? createDirectoryRecheck(directories, staff) : undefined;

  const toSignedIn = (row: SessionRow, account: WebAccountConfig): SignedIn => ({
    username: account.username,
    method: 'local',
    role: account.role,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
  });

  const blockedError = (identity: string): AppError =>
    new AppError('forbidden', 'An idphotos administrator has blocked this account on this appliance.', { reason: 'blocked', identity });

  /** Opens a session for someone a directory vouched for (LDAP here, OIDC from its callback). */
  const openDirectorySession = (person: DirectoryPerson, meta: { ip: string; userAgent: string }, now = new Date()): SignInResult => {
    const row = staff.signedIn({ ...person, at: now.toISOString() });
    if (row.blocked_at) throw blockedError(person.identity);
    sessions.purgeExpired();
    const created = sessions.create(person.identity, DIRECTORY_CREDENTIAL, meta, now, row.id);
    return { token: created.token, user: { username: row.identity, method: row.method, role: row.role, csrfToken: created.row.csrf_token, createdAt: created.row.created_at } };
  };

  return {
    sessions,
    staff,
    directories,
    openDirectorySession,

    /** The bound on argon2 work, shared with SFTP password logins (taking turns by source). */
    passwordChecks: hashing,

    /**
     * Checks a password (a local account's, else the LDAP directory's) and opens a session.
     * Throws AppError 'unauthorized' on a wrong name or password (the same message for both),
     * 'forbidden' for a blocked person or a directory account in neither group, 'unavailable'
     * when the directory cannot be reached, and with `retryAfterSeconds` when this address has
     * failed too often (or the directory is busy).
     */
    async signIn(username: string, password: string, meta: { ip: string; userAgent: string }): Promise<SignInResult> {
      const check = limiter.begin(meta.ip);
      if ('retryAfter' in check) {
        throw new AppError('unavailable', `Too many failed sign-ins from this address. Try again in ${describeWait(check.retryAfter)}.`, {
          retryAfterSeconds: check.retryAfter,
          reason: 'rate_limited',
        });
      }
      const account = byName.get(username);
      const ldap = directories?.ldap;
      // A local account's name wins over the directory's: the break-glass way in never depends on it.
      if (!account && ldap) {
        let person: DirectoryPerson;
        try {
          person = await ldap.authenticate(username, password);
        } catch (err) {
          check.end(isAppError(err, 'unauthorized'));
          throw err;
        }
        check.end(false);
        return openDirectorySession(person, meta);
      }
      let ok = false;
      try {
        // NB: an unknown name costs the same argon2 work as a known one, so timing does not tell.
        const hash = account?.password_hash ?? (await dummyPasswordHash());
        ok = await hashing.run(meta.ip, () => verifyPassword(password, hash));
      } finally {
        check.end(!account || !ok);
      }
      if (!account || !ok) {
        throw new AppError('unauthorized', 'Wrong user name or password.', { reason: account ? 'wrong_password' : 'unknown_user' });
      }
      let person: StaffRow | undefined;
      try {
        person = staff.signedIn({ method: 'local', subject: account.username, identity: account.username, name: account.username, role: account.role, at: new Date().toISOString() });
      } catch (err) {
        // A full disk must not lock out the break-glass accounts: the person as last recorded
        // (a block still holds), or none yet; the session then names the account alone.
        if (!isDiskFull(err)) throw err;
        person = staff.local(account.username);
      }
      if (person?.blocked_at) throw blockedError(account.username);
      // Sessions that idled out without coming back are swept here, where a write happens anyway.
      sessions.purgeExpired();
      const { token, row } = sessions.create(account.username, credentials.get(account.username)!, meta, new Date(), person?.id ?? null);
      return { token, user: toSignedIn(row, account) };
    },

    /**
     * The signed-in person for a session cookie value, or undefined. Asks the directory again
     * first when its last answer about the person is older than the recheck interval.
     */
    async authenticate(token: string | undefined, now = new Date()): Promise<SignedIn | undefined> {
      if (!token) return undefined;
      const row = sessions.find(token, now);
      if (!row) return undefined;
      let person = row.staff_id === null ? staff.local(row.username) : staff.get(row.staff_id);
      if ((row.staff_id !== null && !person) || person?.blocked_at) return undefined;
      if (person && person.method !== 'local') {
        if (!recheck) return undefined;
        person = await recheck.ifDue(person, now);
        if (!person) return undefined;
        return { username: person.identity, method: person.method, role: person.role, csrfToken: row.csrf_token, createdAt: row.created_at };
      }
      const account = byName.get(row.username);
      // A changed password_hash (a leaked password rotated) ends the sessions opened with the old one.
      return account && row.credential === credentials.get(account.username) ? toSignedIn(row, account) : undefined;
    },

    signOut(token: string | undefined): void {
      if (token) sessions.delete(token);
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;

/** A fingerprint of the account's password hash: sessions opened with another one are void. */
function credentialOf(account: WebAccountConfig): string {
  return createHash('sha256').update(account.password_hash).digest('base64url').slice(0, 22);
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
