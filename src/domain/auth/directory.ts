import { readFileSync } from 'node:fs';
import type { WebConfig } from '../../config/schema.ts';
import type { Logger } from '../../shared/logger.ts';
import type { SignInMethod, StaffRole, StaffRow } from '../../storage/staff-store.ts';
import type { LdapDirectory } from './ldap.ts';
import type { OidcDirectory } from './oidc.ts';

/** A person a directory vouched for, and the role it gives them here. */
export interface DirectoryPerson {
  method: Exclude<SignInMethod, 'local'>;
  /** What the directory never reuses for someone else: OIDC issuer + sub, or the LDAP DN. */
  subject: string;
  /** What the audit log names: the e-mail address (OIDC) or the DN (LDAP). */
  identity: string;
  name: string;
  role: StaffRole;
  /** OIDC: the refresh token that re-checks the person later. */
  refreshToken?: string;
}

/** The directory's answer when asked again about someone signed in. */
export type RecheckAnswer = { ok: true; role: StaffRole; refreshToken?: string } | { ok: false; reason: string };

export interface ProviderFailure {
  provider: string;
  message: string;
  at: number;
}

/**
 * Which sign-in providers failed lately, for the sign-in page ("Sign in with Google is not
 * working right now"). A success clears the provider's entry; entries fade after `keepMs`.
 */
export function createProviderStatus(keepMs = 15 * 60_000) {
  const failures = new Map<string, ProviderFailure>();
  return {
    failed(provider: string, message: string, now = Date.now()): void {
      failures.set(provider, { provider, message, at: now });
    },
    ok(provider: string): void {
      failures.delete(provider);
    },
    current(now = Date.now()): ProviderFailure[] {
      return [...failures.values()].filter((f) => now - f.at < keepMs);
    },
  };
}

export type ProviderStatus = ReturnType<typeof createProviderStatus>;

export interface Directories {
  ldap: LdapDirectory | undefined;
  oidc: OidcDirectory | undefined;
  status: ProviderStatus;
  recheckMs: number;
  /** Told when a recheck ended someone's sessions (the composition root audits it). */
  onRevoked?: (person: StaffRow, reason: string) => void;
}

/**
 * The directories `[web.ldap]` and `[web.oidc]` configure (either, both or none), with their
 * secrets read from the files named. Nothing connects here: providers are asked at sign-in.
 * NB: ldapts and openid-client load only when their directory is configured (dynamic imports):
 * an appliance with local accounts alone starts without them.
 */
export async function createDirectories(web: WebConfig, log: Logger): Promise<Directories> {
  const status = createProviderStatus();
  const ldap = web.ldap.url
    ? (await import('./ldap.ts')).createLdapDirectory(web.ldap, {
        bindPassword: readSecret(web.ldap.bind_password_file),
        ca: web.ldap.ca_file ? readFileSync(web.ldap.ca_file) : undefined,
      }, log.child({ provider: 'ldap' }), status)
    : undefined;
  const oidc = web.oidc.issuer
    ? (await import('./oidc.ts')).createOidcDirectory(web.oidc, {
        publicUrl: web.public_url,
        clientSecret: web.oidc.client_secret || readSecret(web.oidc.client_secret_file),
      }, log.child({ provider: 'oidc' }), status)
    : undefined;
  return { ldap, oidc, status, recheckMs: web.directory_recheck_minutes * 60_000 };
}

/** A secret file's content without its trailing line break (editors add one). */
function readSecret(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}
