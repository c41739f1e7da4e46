import type { SignedIn } from '../domain/auth/auth.ts';
import type { TokenHolder } from '../domain/tokens/tokens.ts';

/** What middleware puts on the Hono context for the handlers after it. */
export type WebEnv = {
  Variables: {
    /** The signed-in account; absent on public paths (/login, /assets, /healthz). */
    user: SignedIn | undefined;
    /** Source address of the request, from the socket (no proxy headers are trusted). */
    ip: string;
    /** Set by a route whose answer shows no one's data (the placeholder image): not a view to audit. */
    notAView: boolean | undefined;
    /** The integration token the request came with (`Authorization: Bearer`), if any. */
    token: TokenHolder | undefined;
  };
};
