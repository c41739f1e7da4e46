import { createHash } from 'node:crypto';
import type { WebAccountConfig, WebConfig } from '../../config/schema.ts';
import { AppError } from '../../shared/errors.ts';
import { dummyPasswordHash, verifyPassword } from '../../shared/passwords.ts';
import type { SessionRows } from '../../storage/session-store.ts';
import { createLoginLimiter } from './login-limiter.ts';
import { createSessionStore, type SessionRow } from './sessions.ts';

export type WebRole = WebAccountConfig['role'];

/** Who is signed in, as the edges see it. */
export interface SignedIn {
  username: string;
  role: WebRole;
  csrfToken: string;
  createdAt: string;
}

export interface SignInResult {
  token: string;
  user: SignedIn;
}

/**
 * Web sign-in against the `[[web.accounts]]` argon2id hashes, with sessions in SQLite and a
 * per-IP limit on failures. The role is read from the accounts on every request, so taking an
 * account out of the configuration ends its sessions at the next restart.
 */
export function createAuth(sessionRows: SessionRows, web: Pick<WebConfig, 'session_idle_minutes' | 'login_max_failures' | 'login_window_seconds'>, accounts: WebAccountConfig[]) {
  const sessions = createSessionStore(sessionRows, web.session_idle_minutes);
  const limiter = createLoginLimiter({ maxFailures: web.login_max_failures, windowSeconds: web.login_window_seconds });
  const byName = new Map(accounts.map((a) => [a.username, a]));
  // Computed once: authenticate runs on every request, each thumbnail included.
  const credentials = new Map(accounts.map((a) => [a.username, credentialOf(a)]));

  const toSignedIn = (row: SessionRow, account: WebAccountConfig): SignedIn => ({
    username: account.username,
    role: account.role,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
  });

  return {
    sessions,

    /**
     * Checks a password and opens a session. Throws AppError 'unauthorized' on a wrong name or
     * password (the same message for both), 'unavailable' with `retryAfterSeconds` when this
     * address has failed too often.
     */
    async signIn(username: string, password: string, meta: { ip: string; userAgent: string }): Promise<SignInResult> {
      const wait = limiter.retryAfter(meta.ip);
      if (wait > 0) {
        throw new AppError('unavailable', `Too many failed sign-ins from this address. Try again in ${describeWait(wait)}.`, {
          retryAfterSeconds: wait,
          reason: 'rate_limited',
        });
      }
      const account = byName.get(username);
      // NB: an unknown name costs the same argon2 work as a known one, so timing does not tell.
      const ok = await verifyPassword(password, account?.password_hash ?? (await dummyPasswordHash()));
      if (!account || !ok) {
        limiter.fail(meta.ip);
        throw new AppError('unauthorized', 'Wrong user name or password.', { reason: account ? 'wrong_password' : 'unknown_user' });
      }
      // Sessions that idled out without coming back are swept here, where a write happens anyway.
      sessions.purgeExpired();
      const { token, row } = sessions.create(account.username, credentials.get(account.username)!, meta);
      return { token, user: toSignedIn(row, account) };
    },

    /** The signed-in account for a session cookie value, or undefined. */
    authenticate(token: string | undefined, now = new Date()): SignedIn | undefined {
      if (!token) return undefined;
      const row = sessions.find(token, now);
      if (!row) return undefined;
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
