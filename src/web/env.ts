import type { AuditAction } from '../storage/audit-store.ts';
import type { SignedIn } from '../domain/auth/auth.ts';
import type { TokenHolder } from '../domain/tokens/tokens.ts';

/** What middleware puts on the Hono context for the handlers after it. */
export type WebEnv = {
  Variables: {
    /** The signed-in account; absent on public paths (/login, /assets, /healthz). */
    user: SignedIn | undefined;
    /** Source address of the request, from the socket (no proxy headers are trusted). */
    ip: string;
    /** Cookies go out Secure: served over TLS here, or web.public_url is https (TLS at a reverse proxy). */
    secureCookies: boolean;
    /** Set by a route whose answer shows no one's data (the placeholder image): not a view to audit. */
    notAView: boolean | undefined;
    /** The integration token the request came with (`Authorization: Bearer`), if any. */
    token: TokenHolder | undefined;
    /** Set by a route that changed something: what the audit entry says (middleware/audit-change.ts writes it). */
    /** 'recorded': the domain service the route called wrote the entry itself (it audits the CLI the same way). */
    audit: { detail: string; localId?: string; action?: AuditAction } | 'recorded' | undefined;
  };
};
