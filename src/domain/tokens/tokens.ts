import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors.ts';
import type { TokenRow, TokenStore } from '../../storage/token-store.ts';
import type { AuditLog } from '../audit/audit.ts';

/** What a token may do. One scope today; the list is the contract of `--scope`. */
export const TOKEN_SCOPES = ['photos:read'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Names appear in the audit log and on the command line: short and plain. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Every token starts with this, so a leaked one is recognisable in a log or a scan. */
const PREFIX = 'idp_';

/** A token as the edges see it once checked. */
export interface TokenHolder {
  name: string;
  scope: TokenScope;
}

/** A token as listed: the stored row (never its hash). */
export type TokenSummary = TokenRow;

/**
 * Integration tokens: bearer tokens for other systems, created and revoked by admins (CLI or
 * web). Every create and revoke is audited; the web edge audits each use.
 * @example
 * const tokens = createTokenService(createTokenStore(db), audit);
 * const { token } = tokens.create('cardprinter', 'photos:read', 'cli:jo'); // shown once
 * tokens.authenticate(token); // → { name: 'cardprinter', scope: 'photos:read' }
 */
export function createTokenService(store: TokenStore, audit: AuditLog) {
  return {
    /** Creates a token; the secret is returned here and never again (only its SHA-256 is kept). */
    create(name: string, scope: string, actor: string): { token: string; row: TokenSummary } {
      if (!NAME.test(name)) throw new AppError('invalid', `a token name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit (got "${name}")`);
      if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) throw new AppError('invalid', `unknown scope "${scope}"; the scopes are: ${TOKEN_SCOPES.join(', ')}`);
      const token = PREFIX + randomBytes(32).toString('base64url');
      const created_at = new Date().toISOString();
      if (!store.insert({ name, scope, token_hash: hashToken(token), created_at, created_by: actor })) {
        throw new AppError('conflict', `a token named "${name}" already exists (revoked names stay taken, so the audit log stays unambiguous); choose another name`);
      }
      audit.record({ actor, action: 'token.create', detail: `token "${name}" (${scope}) created` });
      audit.flush();
      return { token, row: store.byName(name)! };
    },

    list: (): TokenSummary[] => store.list(),

    revoke(name: string, actor: string): TokenSummary {
      const row = store.byName(name);
      if (!row) throw new AppError('not_found', `there is no token named "${name}"`);
      if (row.revoked_at) throw new AppError('conflict', `token "${name}" was already revoked at ${row.revoked_at} by ${row.revoked_by}`);
      store.revoke(name, actor, new Date().toISOString());
      audit.record({ actor, action: 'token.revoke', detail: `token "${name}" revoked` });
      audit.flush();
      return store.byName(name)!;
    },

    /** The holder of a live token, or undefined for an unknown or revoked one. */
    authenticate(token: string): TokenHolder | undefined {
      if (!token.startsWith(PREFIX)) return undefined;
      const row: TokenRow | undefined = store.byHash(hashToken(token));
      if (!row || row.revoked_at) return undefined;
      return { name: row.name, scope: row.scope as TokenScope };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
