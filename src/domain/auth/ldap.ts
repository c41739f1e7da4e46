import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Client, Filter, InvalidCredentialsError, NoSuchObjectError, type Entry } from 'ldapts';
import type { LdapConfig } from '../../config/schema.ts';
import { AppError, errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { StaffRole } from '../../storage/staff-store.ts';
import type { DirectoryPerson, ProviderStatus, RecheckAnswer } from './directory.ts';

/** Active Directory announces itself with this capability in its root DSE. */
const AD_CAPABILITY = '1.2.840.113556.1.4.800';
/** LDAP_MATCHING_RULE_IN_CHAIN: AD follows nested groups for a filter that names it. */
const IN_CHAIN = '1.2.840.113556.1.4.1941';
/** userAccountControl's ACCOUNTDISABLE bit. */
const AD_DISABLED = 2;
const PROVIDER = 'LDAP';
const ATTRIBUTES = ['mail', 'cn', 'displayName', 'uid', 'memberOf', 'userAccountControl'];
/**
 * Directory conversations at once for sign-ins (two connections each at most; re-checks are not
 * counted: see withService). A
 * crowd of sign-in attempts from many addresses must not pile up connections to the domain
 * controller or sockets here; beyond this they are refused at once with "try again".
 */
export const LDAP_MAX_IN_FLIGHT = 16;
/** Connecting, and the TLS handshake (ldaps or StartTLS), must finish within this. */
const CONNECT_MS = 5_000;

/** Replaces `{username}` in a filter, escaped as RFC 4515 requires (`*`, `(`, `)`, `\`, NUL). */
export function userFilter(template: string, username: string): string {
  return template.split('{username}').join(Filter.escape(username));
}

/**
 * Sign-in against LDAP or Active Directory: the bind account finds the person with
 * `user_filter`, their own password is checked by binding as them, and group membership
 * gives the role. Every connection is TLS (ldaps://, or ldap:// upgraded with StartTLS before
 * any password is sent), checked against `ca_file` or the system's CAs.
 */
export function createLdapDirectory(cfg: LdapConfig, secrets: { bindPassword: string; ca: Buffer | undefined }, log: Logger, status: ProviderStatus) {
  const host = new URL(cfg.url).hostname.replace(/^\[|\]$/g, '');
  const tlsOptions: ConnectionOptions = {
    ...(secrets.ca ? { ca: [secrets.ca] } : {}),
    ...(isIP(host) ? {} : { servername: host }),
    minVersion: 'TLSv1.2',
  };
  const startTls = cfg.url.toLowerCase().startsWith('ldap://');
  let activeDirectory: boolean | undefined;
  let inFlight = 0;

  /** A TLS connection, bound as `dn` when given. Throws the library's errors. */
  const open = async (dn?: string, password?: string): Promise<Client> => {
    // NB: ldapts opens TLS at once whenever tlsOptions are given, even for ldap://; StartTLS
    // servers then see a ClientHello where they expect LDAP and hang up. Given to startTLS only.
    const client = new Client({
      url: cfg.url,
      timeout: 10_000,
      connectTimeout: CONNECT_MS,
      ...(startTls ? { createSecureConnection: tlsWithDeadline } : { tlsOptions }),
      strictDN: false,
    });
    try {
      // A copy: ldapts writes the connection's socket into the options it is given.
      if (startTls) await client.startTLS({ ...tlsOptions });
      if (dn !== undefined) await client.bind(dn, password ?? '');
      return client;
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw err;
    }
  };

  /**
   * Runs `fn` on a connection bound as the service account; failures to reach it are 'unavailable'.
   * NB: a re-check is never refused as busy: it comes from a signed-in person (one at a time
   * each), and "busy" kept them in, so a leaver who kept the places full with sign-in attempts
   * kept their access.
   */
  const withService = async <T>(fn: (client: Client) => Promise<T>, recheck = false): Promise<T> => {
    if (recheck) return withServiceNow(fn);
    if (inFlight >= LDAP_MAX_IN_FLIGHT) {
      log.warn({ inFlight }, 'LDAP sign-in refused: too many directory requests at once');
      throw new AppError('unavailable', 'The directory is busy with other sign-ins. Try again in a few seconds.', { reason: 'ldap_busy', retryAfterSeconds: 5 });
    }
    inFlight++;
    try {
      return await withServiceNow(fn);
    } finally {
      inFlight--;
    }
  };

  const withServiceNow = async <T>(fn: (client: Client) => Promise<T>): Promise<T> => {
    let client: Client;
    try {
      client = await open(cfg.bind_dn, secrets.bindPassword);
    } catch (err) {
      throw unavailable(err instanceof InvalidCredentialsError ? 'the directory refused the bind account (bind_dn / bind_password_file)' : errorMessage(err));
    }
    status.ok(PROVIDER);
    try {
      if (activeDirectory === undefined) activeDirectory = await isActiveDirectory(client);
      return await fn(client);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw unavailable(errorMessage(err));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  };

  const unavailable = (reason: string): AppError => {
    log.warn({ reason }, 'LDAP directory failed');
    status.failed(PROVIDER, reason);
    return new AppError('unavailable', 'The LDAP directory could not be reached, so directory accounts cannot sign in right now. Local accounts still work; tell your district IT admin.', {
      reason: 'provider_down',
      provider: PROVIDER,
      cause: reason,
    });
  };

  const isMember = async (client: Client, user: Entry, groupDn: string): Promise<boolean> => {
    if (!groupDn) return false;
    if (activeDirectory) {
      // One query that AD answers through every level of nesting.
      const { searchEntries } = await client.search(user.dn, { scope: 'base', filter: `(memberOf:${IN_CHAIN}:=${Filter.escape(groupDn)})`, attributes: ['dn'] });
      return searchEntries.length > 0;
    }
    if (values(user.memberOf).some((g) => sameDn(g, groupDn))) return true;
    const uid = values(user.uid)[0];
    const filter = `(|(member=${Filter.escape(user.dn)})(uniqueMember=${Filter.escape(user.dn)})${uid ? `(memberUid=${Filter.escape(uid)})` : ''})`;
    try {
      const { searchEntries } = await client.search(groupDn, { scope: 'base', filter, attributes: ['dn'] });
      return searchEntries.length > 0;
    } catch (err) {
      if (err instanceof NoSuchObjectError) {
        log.warn({ group: groupDn }, 'LDAP group named in [web.ldap] does not exist');
        return false;
      }
      throw err;
    }
  };

  const roleOf = async (client: Client, user: Entry): Promise<StaffRole | undefined> => {
    if (await isMember(client, user, cfg.admin_group)) return 'admin';
    if (await isMember(client, user, cfg.staff_group)) return 'staff';
    return undefined;
  };

  return {
    kind: 'ldap' as const,
    provider: PROVIDER,

    /**
     * Checks a user name and password. Throws AppError 'unauthorized' (wrong name or password,
     * the same message for both), 'forbidden' (disabled, or in neither group) or 'unavailable'.
     */
    async authenticate(username: string, password: string): Promise<DirectoryPerson> {
      // NB: an empty password would be an anonymous bind, which most servers accept.
      if (!password || !username || username.length > 256 || /[\u0000-\u001f]/.test(username)) {
        throw new AppError('unauthorized', 'Wrong user name or password.', { reason: 'unknown_user' });
      }
      return withService(async (client) => {
        const { searchEntries } = await client.search(cfg.user_base, { scope: 'sub', filter: userFilter(cfg.user_filter, username), attributes: ATTRIBUTES, sizeLimit: 2 });
        if (searchEntries.length !== 1) {
          throw new AppError('unauthorized', 'Wrong user name or password.', { reason: searchEntries.length ? 'ambiguous_user' : 'unknown_user' });
        }
        const user = searchEntries[0]!;
        let own: Client | undefined;
        try {
          own = await open(user.dn, password);
        } catch (err) {
          if (err instanceof InvalidCredentialsError) throw new AppError('unauthorized', 'Wrong user name or password.', { reason: 'wrong_password', identity: user.dn });
          throw err;
        } finally {
          await own?.unbind().catch(() => undefined);
        }
        // NB: only after the password: before it, anyone could learn which names are disabled
        // accounts, without a guess counting towards the sign-in limit.
        if (disabled(user)) throw new AppError('forbidden', 'This directory account is disabled.', { reason: 'disabled', identity: user.dn });
        const role = await roleOf(client, user);
        if (!role) {
          throw new AppError('forbidden', 'Your directory account is not in the idphotos staff or admin group, so it cannot sign in here. Ask your district IT admin to add you.', {
            reason: 'no_group',
            identity: user.dn,
          });
        }
        return { method: 'ldap', subject: user.dn, identity: user.dn, name: values(user.displayName)[0] ?? values(user.cn)[0] ?? username, role };
      });
    },

    /** Asks again about a signed-in person (by DN): removed, disabled or out of both groups is a no. */
    async recheck(dn: string): Promise<RecheckAnswer> {
      return withService(async (client) => {
        let user: Entry | undefined;
        try {
          user = (await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ATTRIBUTES })).searchEntries[0];
        } catch (err) {
          if (!(err instanceof NoSuchObjectError)) throw err;
        }
        if (!user) return { ok: false, reason: 'removed' };
        if (disabled(user)) return { ok: false, reason: 'disabled' };
        const role = await roleOf(client, user);
        return role ? { ok: true, role } : { ok: false, reason: 'no_group' };
      }, true);
    },
  };
}

export type LdapDirectory = ReturnType<typeof createLdapDirectory>;

/**
 * tls.connect with a deadline on the handshake. NB: ldapts times its requests and the TCP
 * connect, but not the handshake after StartTLS: a directory (or something in between) that
 * accepts StartTLS and then never finishes the handshake held the sign-in, and one of the
 * LDAP_MAX_IN_FLIGHT places, for ever.
 */
const tlsWithDeadline = ((options: ConnectionOptions): TLSSocket => {
  const socket = tlsConnect(options);
  const timer = setTimeout(() => socket.destroy(new Error(`the TLS handshake after StartTLS did not finish within ${CONNECT_MS / 1000} seconds`)), CONNECT_MS);
  timer.unref();
  socket.once('secureConnect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
  return socket;
}) as typeof tlsConnect;

async function isActiveDirectory(client: Client): Promise<boolean> {
  try {
    const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['supportedCapabilities'] });
    return values(searchEntries[0]?.supportedCapabilities).includes(AD_CAPABILITY);
  } catch {
    return false;
  }
}

function disabled(user: Entry): boolean {
  const uac = Number(values(user.userAccountControl)[0] ?? 0);
  return (uac & AD_DISABLED) !== 0;
}

function values(v: Entry[string] | undefined): string[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x));
}

/** DNs compare without case and without spaces around separators ("CN=A, DC=x" is "cn=a,dc=x"). */
function sameDn(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\s*([,=+])\s*/g, '$1').toLowerCase();
  return norm(a) === norm(b);
}
