// check-config on [web.oidc], [web.ldap] and web.public_url: every problem with its line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/parse.ts';
import { removeTempAppliances, run, tempAppliance } from '../foundation/cli-process.ts';
import { createTestSite } from '../web/helpers.ts';

afterAll(removeTempAppliances);

describe('check-config and the directory keys', () => {
  it('reports a missing secret file, bad URLs and a filter without {username}, with lines, exit 2', async () => {
    const { dir } = tempAppliance();
    const file = join(dir, 'sso.toml');
    writeFileSync(
      file,
      [
        '[web]', //                                              1
        'public_url = "photos.district.org"', //                 2  not a URL
        '[web.oidc]', //                                         3
        'issuer = "http://accounts.example.com"', //             4  plain http off this machine
        'client_id = "idphotos"', //                             5
        'client_secret_file = "secrets/oidc"', //                6  missing file
        'allowed_domains = ["district.org"]', //                 7
        '[web.ldap]', //                                         8
        'url = "https://dc1.district.org"', //                   9  not ldap(s)://
        'bind_dn = "cn=bind,dc=district,dc=org"', //             10
        'bind_password_file = "secrets/ldap"', //                11 missing file
        'user_base = "dc=district,dc=org"', //                   12
        'user_filter = "(sAMAccountName=jdoe)"', //              13 no {username}
        'staff_group = "cn=staff,dc=district,dc=org"', //        14
      ].join('\n'),
    );
    const r = await run(['check-config', '--config', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^sso\.toml:2: web\.public_url: "photos\.district\.org" is not an http:\/\/ or https:\/\/ address/),
      expect.stringMatching(/^sso\.toml:4: web\.oidc\.issuer: "http:\/\/accounts\.example\.com" must be an https:\/\/ address/),
      expect.stringMatching(/^sso\.toml:6: web\.oidc\.client_secret_file: file ".*secrets\/oidc" does not exist/),
      expect.stringMatching(/^sso\.toml:9: web\.ldap\.url: "https:\/\/dc1\.district\.org" is not ldaps:\/\/HOST\[:PORT\]/),
      expect.stringMatching(/^sso\.toml:11: web\.ldap\.bind_password_file: file ".*secrets\/ldap" does not exist/),
      expect.stringMatching(/^sso\.toml:13: web\.ldap\.user_filter: must contain \{username\}/),
    ]);
  });

  it('accepts a complete set-up, and redacts the client secret', async () => {
    const { dir } = tempAppliance();
    writeFileSync(join(dir, 'bind'), 'pw\n');
    const file = join(dir, 'ok.toml');
    writeFileSync(
      file,
      [
        '[web]',
        'public_url = "https://photos.district.org"',
        '[web.oidc]',
        'issuer = "https://login.microsoftonline.com/0b3c1d2e-0000-4000-8000-000000000000/v2.0"',
        'client_id = "idphotos"',
        'client_secret = "very-secret-value"',
        'scopes = ["openid", "email", "profile", "offline_access"]',
        'admin_groups = ["6f1e…-admins"]',
        'staff_groups = ["6f1e…-staff"]',
        '[web.ldap]',
        'url = "ldaps://dc1.district.org:636"',
        'bind_dn = "CN=idphotos-bind,OU=Service,DC=district,DC=org"',
        'bind_password_file = "bind"',
        'user_base = "OU=Staff,DC=district,DC=org"',
        'user_filter = "(sAMAccountName={username})"',
        'admin_group = "CN=idphotos-admins,OU=Groups,DC=district,DC=org"',
      ].join('\n'),
    );
    const r = await run(['check-config', '--config', file]);
    expect(r.stderr).toMatch(/configuration is valid/);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('very-secret-value');
    expect(JSON.parse(r.stdout).web.oidc.client_secret).toBe('[redacted]');
  });

  it('refuses an OIDC set-up that says nothing of who may sign in', () => {
    const toml = '[web]\npublic_url = "https://p.example"\n[web.oidc]\nissuer = "https://accounts.google.com"\nclient_id = "x"\nclient_secret = "y"\n';
    expect(() => parseConfig(toml, '')).toThrow(ConfigError);
    expect(() => parseConfig(toml, '')).toThrow(/web\.oidc: set allowed_domains, staff_groups\/admin_groups or admin_emails/);
    // Admins only, by address: allowed.
    expect(parseConfig(`${toml}admin_emails = ["it@district.org"]\n`, '').web.oidc.admin_emails).toEqual(['it@district.org']);
  });

  it.each(['common', 'organizations', 'consumers', 'Common'])('refuses Entra ID\'s shared issuer "%s" (every Microsoft tenant could sign in)', (tenant) => {
    const toml = `[web]\npublic_url = "https://p.example"\n[web.oidc]\nissuer = "https://login.microsoftonline.com/${tenant}/v2.0"\nclient_id = "x"\nclient_secret = "y"\nallowed_domains = ["district.org"]\n`;
    expect(() => parseConfig(toml, '')).toThrow(/web\.oidc\.issuer: .* lets every Microsoft tenant sign in/);
    // The district's own tenant is the way.
    expect(parseConfig(toml.replace(tenant, '0b3c1d2e-1111-4222-8333-444455556666'), '').web.oidc.issuer).toContain('0b3c1d2e');
  });

  it.each([
    ['https://accounts.google.com', 'allowed_domains = ["district.org"]', 'Sign in with Google'],
    ['https://login.microsoftonline.com/0b3c1d2e-1111-4222-8333-444455556666/v2.0', 'staff_groups = ["5a6b7c8d-0000-4000-8000-00000000a002"]', 'Sign in with Microsoft'],
  ])('names the provider on the sign-in button: %s', async (issuer, roles, label) => {
    const site = await createTestSite(`public_url = "https://photos.district.org"\n[web.oidc]\nissuer = "${issuer}"\nclient_id = "idphotos"\nclient_secret = "s"\n${roles}\n`);
    try {
      const page = await (await site.web.request('/login')).text();
      expect(page).toContain(`>${label}</a>`);
      expect(page).toContain('href="/login/oidc?next=%2F"');
    } finally {
      await site.close();
    }
  });
});
