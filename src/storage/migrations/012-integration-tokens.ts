import type { Migration } from './index.ts';

/**
 * Integration tokens: bearer tokens another system (an ID-card printer, the library system)
 * uses to read photos and records. NB: only the SHA-256 of a token is kept, like web sessions,
 * so a copy of the database does not hand out working tokens. A revoked token keeps its row
 * (the audit log names it) and is refused from the next request on.
 */
export const INTEGRATION_TOKENS: Migration = {
  id: '012-integration-tokens',
  sql: `
CREATE TABLE integration_tokens (
  name        TEXT PRIMARY KEY NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  scope       TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  revoked_at  TEXT,
  revoked_by  TEXT
) STRICT;
`,
};
