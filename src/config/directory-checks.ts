import { accessSync, constants } from 'node:fs';
import type { Config } from './schema.ts';

type Problem = (key: string, message: string) => void;

/**
 * Checks of `[web.oidc]`, `[web.ldap]` and `web.public_url` that one key alone cannot make.
 * NB: the one place where parsing touches the disk: a secret file that is missing or unreadable
 * would otherwise surface only when the first person tries to sign in, so it is reported here
 * with its line, by check-config and at start alike (the file's content is not read).
 */
export function directoryChecks(config: Config, problem: Problem): void {
  const web = config.web;
  if (web.public_url && !httpUrl(web.public_url)) {
    problem('web.public_url', `"${web.public_url}" is not an http:// or https:// address, e.g. "https://photos.district.org"`);
  } else if (web.public_url && /[?#]/.test(web.public_url)) {
    problem('web.public_url', 'must be the bare address of the viewer, without ? or #');
  }

  const oidc = web.oidc;
  const oidcUsed = Object.entries(oidc).some(([k, v]) => k !== 'scopes' && k !== 'groups_claim' && (Array.isArray(v) ? v.length > 0 : Boolean(v)));
  if (oidcUsed) {
    if (!oidc.issuer) problem('web.oidc.issuer', 'is required to sign in with OpenID Connect, e.g. "https://accounts.google.com"');
    else if (!secureUrl(oidc.issuer)) problem('web.oidc.issuer', `"${oidc.issuer}" must be an https:// address (plain http only for 127.0.0.1 or localhost)`);
    else if (entraSharedTenant(oidc.issuer)) {
      // NB: openid-client accepts Entra's multi-tenant issuers, whose tokens come from any
      // organisation's tenant: anyone could make one whose users' e-mail ends in the district's domain.
      problem('web.oidc.issuer', `"${oidc.issuer}" lets every Microsoft tenant sign in: use the district's own tenant, https://login.microsoftonline.com/TENANT-ID/v2.0`);
    }
    if (!oidc.client_id) problem('web.oidc.client_id', 'is required: the client (application) id the provider gave this appliance');
    if (oidc.client_secret && oidc.client_secret_file) problem('web.oidc.client_secret_file', 'set client_secret or client_secret_file, not both');
    else if (!oidc.client_secret && !oidc.client_secret_file) problem('web.oidc.client_secret_file', 'a client secret is required: set client_secret_file (or client_secret)');
    if (oidc.client_secret_file) readable(oidc.client_secret_file, 'web.oidc.client_secret_file', problem);
    if (!web.public_url) problem('web.public_url', 'is required with [web.oidc]: the provider sends people back to public_url + "/login/oidc/callback"');
    if (!oidc.scopes.includes('openid')) problem('web.oidc.scopes', 'must include "openid"');
    if (!oidc.staff_groups.length && !oidc.admin_groups.length && !oidc.allowed_domains.length && !oidc.admin_emails.length) {
      problem('web.oidc', 'set allowed_domains, staff_groups/admin_groups or admin_emails: otherwise no one could be given a role');
    }
  }

  const ldap = web.ldap;
  const ldapUsed = Object.entries(ldap).some(([k, v]) => k !== 'user_filter' && Boolean(v));
  if (ldapUsed) {
    if (!ldap.url) problem('web.ldap.url', 'is required to sign in with LDAP, e.g. "ldaps://dc1.district.org:636"');
    else if (!/^ldaps?:\/\/[^/\s?#]+\/?$/i.test(ldap.url)) problem('web.ldap.url', `"${ldap.url}" is not ldaps://HOST[:PORT] or ldap://HOST[:PORT] (upgraded with StartTLS)`);
    if (ldap.ca_file) readable(ldap.ca_file, 'web.ldap.ca_file', problem);
    if (!ldap.bind_dn) problem('web.ldap.bind_dn', 'is required: the read-only account that looks people up');
    if (!ldap.bind_password_file) problem('web.ldap.bind_password_file', 'is required: a file holding the bind account\'s password');
    else readable(ldap.bind_password_file, 'web.ldap.bind_password_file', problem);
    if (!ldap.user_base) problem('web.ldap.user_base', 'is required, e.g. "OU=Staff,DC=district,DC=org"');
    if (!ldap.user_filter.includes('{username}')) problem('web.ldap.user_filter', 'must contain {username}, e.g. "(sAMAccountName={username})"');
    else if (!/^\(.*\)$/.test(ldap.user_filter.trim())) problem('web.ldap.user_filter', 'must be an LDAP filter in parentheses, e.g. "(uid={username})"');
    if (!ldap.admin_group && !ldap.staff_group) problem('web.ldap.staff_group', 'set staff_group and/or admin_group: the DN of the group whose members may sign in');
  }
}

/** Entra ID's issuers for every tenant at once (`common`, `organizations`, `consumers`). */
function entraSharedTenant(issuer: string): boolean {
  const url = httpUrl(issuer);
  return url?.hostname.toLowerCase() === 'login.microsoftonline.com' && /^\/(common|organizations|consumers)(\/|$)/i.test(url.pathname);
}

function httpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** https, or http to this machine (a provider in a lab or a test). */
export function secureUrl(text: string): boolean {
  const url = httpUrl(text);
  if (!url) return false;
  return url.protocol === 'https:' || isLoopback(url.hostname);
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function readable(path: string, key: string, problem: Problem): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problem(key, code === 'ENOENT' ? `file "${path}" does not exist` : `file "${path}" cannot be read (${code})`);
  }
}
