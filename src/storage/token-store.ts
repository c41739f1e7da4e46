import type { Db } from './db.ts';

/** A row of `integration_tokens` (migration 012), without the hash. */
export interface TokenRow {
  name: string;
  scope: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

const COLUMNS = 'name, scope, created_at, created_by, revoked_at, revoked_by';

/** The integration tokens table: knows rows and hashes, not what a scope allows. */
export function createTokenStore(db: Db) {
  return {
    /** False when the name is taken (revoked names stay taken: the audit log refers to them). */
    insert(row: Omit<TokenRow, 'revoked_at' | 'revoked_by'> & { token_hash: string }): boolean {
      const r = db.run(
        `INSERT INTO integration_tokens (name, token_hash, scope, created_at, created_by) VALUES (@name, @token_hash, @scope, @created_at, @created_by)
         ON CONFLICT (name) DO NOTHING`,
        { ...row },
      );
      return r.changes === 1;
    },
    byName: (name: string) => db.get<TokenRow>(`SELECT ${COLUMNS} FROM integration_tokens WHERE name = ?`, name),
    /** NB: read on every request that carries a token, so a revoke by another process counts at once. */
    byHash: (hash: string) => db.get<TokenRow>(`SELECT ${COLUMNS} FROM integration_tokens WHERE token_hash = ?`, hash),
    list: () => db.all<TokenRow>(`SELECT ${COLUMNS} FROM integration_tokens ORDER BY revoked_at IS NOT NULL, name`),
    /** False when there is no such token or it was already revoked. */
    revoke(name: string, by: string, at: string): boolean {
      return db.run('UPDATE integration_tokens SET revoked_at = ?, revoked_by = ? WHERE name = ? AND revoked_at IS NULL', at, by, name).changes === 1;
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;
