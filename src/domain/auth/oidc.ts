import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import type { OidcConfig } from '../../config/schema.ts';
import { isLoopback } from '../../config/directory-checks.ts';
import { AppError, errorMessage, isAppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { StaffRole } from '../../storage/staff-store.ts';
import type { DirectoryPerson, ProviderStatus, RecheckAnswer } from './directory.ts';

/** Where the provider sends people back; public_url + this is what the provider must list. */
export const OIDC_CALLBACK_PATH = '/login/oidc/callback';
/** A sign-in started at the provider must come back within this. */
const PENDING_MS = 10 * 60_000;
/**
 * Requests to the provider's token endpoint at once (callbacks; re-checks are not counted, see recheck). Starting a
 * sign-in costs nothing, so a stranger could send many callbacks; beyond this they are refused
 * at once with "try again" rather than piling up connections to the provider.
 */
export const OIDC_MAX_IN_FLIGHT = 16;

/** What a started sign-in needs at the callback; kept in the browser, signed by this process. */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  expires: number;
}

/** Claims of an ID token, as far as roles go. */
type Claims = Record<string, unknown>;

/**
 * Sign-in with an OpenID Connect provider (Google Workspace, Microsoft Entra ID, …): the
 * authorization code flow with PKCE, state and nonce. openid-client checks the ID token
 * (signature through the provider's JWKS, issuer, audience, expiry, nonce); this decides who
 * may sign in and with which role.
 *
 * NB: the state, nonce and PKCE verifier travel in a cookie signed with a key made at start,
 * so a sign-in in progress holds no memory here (nothing a stranger could fill up); the
 * provider refuses a code used twice.
 */
export function createOidcDirectory(cfg: OidcConfig, options: { publicUrl: string; clientSecret: string }, log: Logger, status: ProviderStatus) {
  const issuer = new URL(cfg.issuer);
  const google = issuer.hostname === 'accounts.google.com';
  const microsoft = issuer.hostname === 'login.microsoftonline.com';
  const provider = cfg.display_name || (google ? 'Google' : microsoft ? 'Microsoft' : 'single sign-on');
  const redirectUri = options.publicUrl.replace(/\/+$/, '') + OIDC_CALLBACK_PATH;
  const signingKey = randomBytes(32);
  let discovered: Promise<client.Configuration> | undefined;
  let inFlight = 0;

  /** Runs one request to the provider within OIDC_MAX_IN_FLIGHT. */
  const limited = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (inFlight >= OIDC_MAX_IN_FLIGHT) {
      log.warn({ inFlight }, `${provider} sign-in refused: too many requests to the provider at once`);
      throw new AppError('unavailable', `Sign-in with ${provider} is busy. Try again in a few seconds.`, { reason: 'oidc_busy', provider, retryAfterSeconds: 5 });
    }
    inFlight++;
    try {
      return await fn();
    } finally {
      inFlight--;
    }
  };

  /** The provider's metadata and keys, fetched once; a failure is retried at the next sign-in. */
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(issuer, cfg.client_id, options.clientSecret, undefined, {
        timeout: 10,
        // NB: openid-client checks an ID token's signature against the provider's JWKS only
        // when asked: by default it trusts the token endpoint's TLS alone.
        execute: [client.enableNonRepudiationChecks, ...(issuer.protocol === 'http:' && isLoopback(issuer.hostname) ? [client.allowInsecureRequests] : [])],
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };

  const unavailable = (err: unknown): AppError => {
    const reason = errorMessage(err) + (err instanceof Error && err.cause ? ` (${errorMessage(err.cause)})` : '');
    log.warn({ reason }, `${provider} sign-in failed: provider unreachable`);
    status.failed(provider, reason);
    return new AppError('unavailable', `Sign-in with ${provider} is not working right now: the appliance could not reach ${issuer.host}. Local accounts still work; tell your district IT admin.`, {
      reason: 'provider_down',
      provider,
      cause: reason,
    });
  };

  const refused = (reason: string, message = `Sign-in with ${provider} did not complete. Try again from the sign-in page.`, identity?: string): AppError =>
    new AppError('unauthorized', message, { reason, provider, ...(identity ? { identity } : {}) });

  /** Who the ID token names, and the role they get here; throws 'forbidden' for someone not allowed in. */
  const personOf = (claims: Claims): Omit<DirectoryPerson, 'refreshToken'> => {
    const email = str(claims.email) ?? (microsoft ? str(claims.preferred_username) : undefined);
    // NB: some providers send email_verified as a string; "false" is a no like false is.
    const verified = claims.email_verified === true || claims.email_verified === 'true';
    if (!email || !email.includes('@') || (claims.email_verified !== undefined && !verified)) {
      throw new AppError('forbidden', `Your ${provider} account has no verified e-mail address, so it cannot sign in here.`, { reason: 'no_email', provider });
    }
    const lower = email.toLowerCase();
    const domain = (str(claims.hd) ?? (google ? '' : lower.split('@')[1]!)).toLowerCase();
    const deny = (reason: string): never => {
      throw new AppError('forbidden', `${email} is not allowed to sign in to idphotos. Ask your district IT admin.`, { reason, provider, identity: email });
    };
    if (cfg.allowed_domains.length && !cfg.allowed_domains.some((d) => d.toLowerCase() === domain)) deny('domain_not_allowed');
    const groups = new Set(strings(claims[cfg.groups_claim]));
    let role: StaffRole | undefined;
    // An address makes an admin only when the provider vouches that it is the person's own
    // (Entra ID sends no email_verified, and its email claim is not checked: admin_groups there).
    const adminByEmail = cfg.admin_emails.some((e) => e.toLowerCase() === lower);
    if (adminByEmail && !verified) log.warn({ identity: lower }, `${provider}: ${lower} is in admin_emails, but the provider does not say the address is verified (email_verified): not made admin`);
    if ((adminByEmail && verified) || cfg.admin_groups.some((g) => groups.has(g))) role = 'admin';
    else if (cfg.staff_groups.some((g) => groups.has(g))) role = 'staff';
    // Without staff_groups the allowed domains decide who is staff (Google sends no groups).
    else if (!cfg.staff_groups.length && cfg.allowed_domains.length) role = 'staff';
    if (!role) deny('no_group');
    return { method: 'oidc', subject: `${str(claims.iss)} ${str(claims.sub)}`, identity: lower, name: str(claims.name) ?? email, role: role! };
  };

  return {
    kind: 'oidc' as const,
    provider,
    redirectUri,

    /** The provider's sign-in address, and the signed cookie value the callback needs. */
    async start(next: string): Promise<{ url: string; cookie: string }> {
      let config: client.Configuration;
      try {
        config = await configuration();
      } catch (err) {
        throw unavailable(err);
      }
      status.ok(provider);
      const pending: Pending = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), next, expires: Date.now() + PENDING_MS };
      const params: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: cfg.scopes.join(' '),
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      };
      // Google gives a refresh token (what re-checks the person later) only when asked this way.
      if (google) params.access_type = 'offline';
      if (google && cfg.allowed_domains.length === 1) params.hd = cfg.allowed_domains[0]!;
      return { url: client.buildAuthorizationUrl(config, params).href, cookie: sign(signingKey, pending) };
    },

    /**
     * Finishes a sign-in at the callback: `query` is the callback's query string, `cookie` the
     * value `start` returned. Throws 'unauthorized' for anything that does not check out.
     */
    async finish(cookie: string | undefined, query: string): Promise<DirectoryPerson & { next: string }> {
      const pending = cookie ? verify(signingKey, cookie) : undefined;
      if (!pending || pending.expires < Date.now()) throw refused(pending ? 'expired' : 'no_pending_signin');
      let config: client.Configuration;
      try {
        config = await configuration();
      } catch (err) {
        throw unavailable(err);
      }
      const current = new URL(redirectUri);
      current.search = query;
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await limited(() =>
          client.authorizationCodeGrant(config, current, {
            pkceCodeVerifier: pending.verifier,
            expectedState: pending.state,
            expectedNonce: pending.nonce,
            idTokenExpected: true,
          }),
        );
      } catch (err) {
        if (isAppError(err)) throw err;
        if (err instanceof client.AuthorizationResponseError) {
          throw refused(`provider_said_${err.error}`, err.error === 'access_denied' ? `Sign-in with ${provider} was cancelled.` : undefined);
        }
        if (err instanceof client.ResponseBodyError) throw refused(`token_${err.error}`);
        if (err instanceof client.ClientError && !isNetwork(err)) {
          throw refused(`${err.code ?? 'check_failed'}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`);
        }
        throw unavailable(err);
      }
      status.ok(provider);
      const person = personOf(tokens.claims() as Claims);
      return { ...person, ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}), next: pending.next };
    },

    /**
     * Asks the provider again through the refresh token; a refused token is a no. Without a new
     * ID token in the answer (some providers send none on refresh), the account is still
     * enabled and keeps `currentRole`.
     */
    async recheck(refreshToken: string, currentRole: StaffRole): Promise<RecheckAnswer> {
      if (!refreshToken) return { ok: false, reason: 'no_refresh_token' };
      let config: client.Configuration;
      try {
        config = await configuration();
      } catch (err) {
        throw unavailable(err);
      }
      let tokens: Awaited<ReturnType<typeof client.refreshTokenGrant>>;
      try {
        // NB: not within OIDC_MAX_IN_FLIGHT: a re-check refused as busy kept the person in, so a
        // leaver who kept the places full with junk callbacks kept their access.
        tokens = await client.refreshTokenGrant(config, refreshToken);
      } catch (err) {
        if (isAppError(err)) throw err;
        if (err instanceof client.ResponseBodyError) return { ok: false, reason: `refresh_${err.error}` };
        if (err instanceof client.ClientError && !isNetwork(err)) return { ok: false, reason: `refresh_${err.code ?? 'check_failed'}` };
        throw unavailable(err);
      }
      status.ok(provider);
      const claims = tokens.claims();
      let role: StaffRole = currentRole;
      if (claims) {
        try {
          role = personOf(claims as Claims).role;
        } catch (err) {
          if (err instanceof AppError) return { ok: false, reason: String(err.details?.reason ?? 'refused') };
          throw err;
        }
      }
      return { ok: true, role, ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}) };
    },
  };
}

export type OidcDirectory = ReturnType<typeof createOidcDirectory>;

/** The provider answered, but not as a working provider would (a 5xx page, say): down, not a refusal. */
function isNetwork(err: client.ClientError): boolean {
  return err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM';
}

function sign(key: Buffer, pending: Pending): string {
  const body = Buffer.from(JSON.stringify(pending)).toString('base64url');
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

function verify(key: Buffer, value: string): Pending | undefined {
  const [body, mac] = value.split('.');
  if (!body || !mac) return undefined;
  const expected = createHmac('sha256', key).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Pending;
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}
