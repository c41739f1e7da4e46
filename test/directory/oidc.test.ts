// OpenID Connect sign-in against a real provider process (npm oidc-provider), through Chromium
// for the people and plain HTTP for the attacks.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { createServer, connect, type Server } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../web/browser.ts';
import { createTestSite, PASSWORDS, type TestSite } from '../web/helpers.ts';
import { OIDC_MAX_IN_FLIGHT } from '../../src/domain/auth/oidc.ts';
import { startProvider, type TestProvider } from './oidc-harness.ts';

/** expect.poll waits for an event here and measures nothing: as long as a slow machine needs. */
const POLL = { timeout: 60_000 };

const CALLBACK = '/login/oidc/callback';

/**
 * The address staff use, in front of the appliance as a district's reverse proxy would be: it
 * listens before the appliance exists, so public_url and the provider's redirect URI can name it.
 */
async function frontDoor(): Promise<{ url: string; target(port: number): void; close(): Promise<void> }> {
  let targetPort = 0;
  const server: Server = createServer((socket) => {
    const upstream = connect(targetPort, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    target: (p) => (targetPort = p),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** appliance.toml for a site behind `doorUrl` signing in at `issuer` as client idphotos, with `rest` under [web.oidc]. */
function oidcToml(doorUrl: string, issuer: string, rest: string): string {
  return `
public_url = "${doorUrl}"
[web.oidc]
display_name = "Test District"
issuer = "${issuer}"
client_id = "idphotos"
client_secret = "idphotos-client-secret"
${rest}
`;
}

/**
 * Signs `login` in from a fresh browser context: "Sign in with Test District" on the appliance's
 * sign-in page at `doorUrl`, then the provider's own form. Resolves once back at the appliance:
 * on search when let in, on the callback's refusal page when not.
 */
async function signInThroughDoor(browser: Browser, doorUrl: string, login: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${doorUrl}/login`);
  await page.getByRole('link', { name: 'Sign in with Test District' }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything-1');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.waitForURL((u) => u.href.startsWith(doorUrl));
  return page;
}

describe('OIDC sign-in with a real OpenID provider', () => {
  let door: Awaited<ReturnType<typeof frontDoor>>;
  let provider: TestProvider;
  let site: TestSite;
  let browser: Browser;
  const secrets = mkdtempSync(join(tmpdir(), 'idphotos-oidc-'));

  beforeAll(async () => {
    door = await frontDoor();
    const redirect = door.url + CALLBACK;
    provider = await startProvider([
      { client_id: 'idphotos', client_secret: 'idphotos-client-secret', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'] },
      // Another application at the same provider, whose codes must not open a session here.
      { client_id: 'other-app', client_secret: 'other-app-secret', redirect_uris: [redirect] },
    ]);
    const secretFile = join(secrets, 'oidc-client-secret');
    writeFileSync(secretFile, 'idphotos-client-secret\n');
    site = await createTestSite(`
public_url = "${door.url}"
[web.oidc]
display_name = "Test District"
issuer = "${provider.issuer}"
client_id = "idphotos"
client_secret_file = "${secretFile}"
scopes = ["openid", "email", "profile", "groups", "offline_access"]
admin_groups = ["idphotos-admins"]
staff_groups = ["idphotos-staff"]
`);
    const { webPort } = await site.app.start();
    door.target(webPort);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await provider?.stop();
    await door?.close();
    rmSync(secrets, { recursive: true, force: true });
  });

  /** Clicks "Sign in with Test District" and signs in at the provider's own pages. */
  async function signInAtProvider(context: BrowserContext, login: string, path = '/'): Promise<Page> {
    const page = await context.newPage();
    await page.goto(door.url + path);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByRole('link', { name: 'Sign in with Test District' }).click();
    await page.waitForURL((u) => u.href.startsWith(provider.issuer));
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('anything-1');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    return page;
  }

  it('signs an admin in through Chromium and lands on search with the admin role', async () => {
    const context = await browser.newContext();
    const page = await signInAtProvider(context, 'ada');
    await page.waitForURL(`${door.url}/`);
    await expect.poll(() => page.getByRole('link', { name: 'Staff' }).count(), POLL).toBe(1);
    expect(await page.locator('h1').first().textContent()).toBeTruthy();
    const status = await page.goto(`${door.url}/admin/status`);
    expect(status?.status()).toBe(200);
    const staffPage = await (await page.goto(`${door.url}/admin/staff`))!.text();
    expect(staffPage).toContain('ada@district.test');
    expect(staffPage).toContain('Single sign-on (OIDC)');
    expect(site.app.ctx.audit.list({ actor: 'ada@district.test' })[0]).toMatchObject({ action: 'signin', detail: 'oidc' });
    await context.close();
  });

  it('signs staff in as staff, back on the page they asked for', async () => {
    const context = await browser.newContext();
    const page = await signInAtProvider(context, 'sam', '/devices');
    await page.waitForURL(`${door.url}/devices`);
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect((await page.goto(`${door.url}/admin/status`))?.status()).toBe(403);
    await context.close();
  });

  /** Runs a sign-in in Chromium up to the provider's redirect, and hands back what the browser would send. */
  async function capturedCallback(login: string): Promise<{ url: string; cookie: string; context: BrowserContext }> {
    const context = await browser.newContext();
    let callbackUrl = '';
    await trapCallback(context, (url) => (callbackUrl = url));
    const page = await signInAtProvider(context, login);
    await expect.poll(() => callbackUrl, POLL).not.toBe('');
    await page.close();
    const pending = (await context.cookies(door.url + CALLBACK)).find((c) => c.name === 'idphotos_oidc')!;
    return { url: callbackUrl, cookie: `idphotos_oidc=${pending.value}`, context };
  }

  /**
   * Stops the browser at the provider's redirect back to us and hands over its address.
   * NB: Playwright does not route the request a redirect leads to, so the provider's answers
   * are fetched here and passed on, all but the one that points at the callback.
   */
  async function trapCallback(context: BrowserContext, seen: (url: string) => void): Promise<void> {
    await context.route(
      (url) => url.href.startsWith(provider.issuer),
      async (route) => {
        let response = await route.fetch({ maxRedirects: 0 });
        let location = response.headers()['location'];
        // The provider's own redirects (login → /auth/…) are followed here, cookies and all.
        while (location && new URL(location, provider.issuer).href.startsWith(provider.issuer)) {
          response = await context.request.get(new URL(location, provider.issuer).href, { maxRedirects: 0 });
          location = response.headers()['location'];
        }
        if (location && new URL(location, provider.issuer).href.startsWith(door.url + CALLBACK)) {
          seen(new URL(location, provider.issuer).href);
          await route.abort();
        } else {
          await route.fulfill({ response });
        }
      },
    );
  }

  const callback = (url: string, cookie: string) => fetch(url, { headers: { cookie }, redirect: 'manual' });

  it('refuses a callback whose state was tampered with', async () => {
    const { url, cookie, context } = await capturedCallback('sam');
    const tampered = new URL(url);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    const res = await callback(tampered.href, cookie);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('did not complete');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('idphotos_session='))).toBe(false);
    expect(site.app.ctx.audit.list({ actor: '(Test District sign-in)' })[0]?.detail).toMatch(/^oidc: OAUTH_INVALID_RESPONSE: .*"state"/);
    // A forged pending cookie (the state signed by someone else) is refused too.
    const forged = await callback(url, `idphotos_oidc=${cookie.split('=')[1]!.split('.')[0]}.AAAA`);
    expect(forged.status).toBe(401);
    await context.close();
  });

  it('refuses a code used a second time (the provider says invalid_grant)', async () => {
    const { url, cookie, context } = await capturedCallback('sam');
    const first = await callback(url, cookie);
    expect(first.status).toBe(303);
    expect(first.headers.getSetCookie().some((c) => c.startsWith('idphotos_session='))).toBe(true);
    const replay = await callback(url, cookie);
    expect(replay.status).toBe(401);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('idphotos_session=') && !c.startsWith('idphotos_session=;'))).toBe(false);
    const refused = site.app.ctx.audit.list({ actor: '(Test District sign-in)' });
    expect(refused[0]).toMatchObject({ action: 'signin.refused', detail: 'oidc: token_invalid_grant' });
    await context.close();
  });

  it('refuses a code issued to another application (wrong audience)', async () => {
    // The browser starts a real sign-in here, but the code that comes back was made for "other-app".
    const { cookie, context } = await capturedCallback('ada');
    const pending = JSON.parse(Buffer.from(cookie.split('=')[1]!.split('.')[0]!, 'base64url').toString()) as { state: string; nonce: string; verifier: string };
    const auth = new URL(`${provider.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: 'other-app',
      redirect_uri: door.url + CALLBACK,
      response_type: 'code',
      scope: 'openid email',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    })) auth.searchParams.set(k, v);
    let otherCallback = '';
    await context.unrouteAll();
    await trapCallback(context, (url) => (otherCallback = url));
    const page = await context.newPage();
    await page.goto(auth.href).catch(() => undefined);
    if (!otherCallback) {
      await page.locator('input[name="login"]').fill('ada');
      await page.locator('input[name="password"]').fill('anything-1');
      await page.getByRole('button', { name: 'Sign-in' }).click();
    }
    await expect.poll(() => otherCallback, POLL).not.toBe('');
    const res = await callback(otherCallback, cookie);
    expect(res.status).toBe(401);
    // The provider will not hand this appliance tokens for a code it issued to another client.
    expect(site.app.ctx.audit.list({ actor: '(Test District sign-in)' })[0]).toMatchObject({ action: 'signin.refused', detail: 'oidc: token_invalid_grant' });
    expect(res.headers.getSetCookie().some((c) => c.startsWith('idphotos_session=') && !c.startsWith('idphotos_session=;'))).toBe(false);
    await context.close();
  });

  it(`holds at most ${OIDC_MAX_IN_FLIGHT} requests to the provider at once; the rest are refused at once, plainly`, async () => {
    const { url, cookie, context } = await capturedCallback('sam');
    const done: { status: number; body: string; retryAfter: string | null }[] = [];
    let calls: Promise<void>[] = [];
    provider.pause();
    try {
      calls = Array.from({ length: OIDC_MAX_IN_FLIGHT + 4 }, () =>
        callback(url, cookie).then(async (res) => {
          done.push({ status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') });
        }),
      );
      await expect.poll(() => done.filter((d) => d.status === 429).length, POLL).toBe(4);
    } finally {
      provider.resume();
    }
    const busy = done.filter((d) => d.status === 429);
    expect(busy.map((d) => [d.body.includes('Sign-in with Test District is busy'), d.retryAfter])).toEqual(Array(4).fill([true, '5']));
    await Promise.all(calls);
    // Once the provider answers again, the code opens at most one session; the others are
    // refused (code already used) or, past openid-client's 10-second timeout on a very slow
    // machine, "could not reach" — never busy.
    const held = done.filter((d) => d.status !== 429).map((d) => d.status);
    expect(held).toHaveLength(OIDC_MAX_IN_FLIGHT);
    expect(held.filter((s) => s === 303).length).toBeLessThanOrEqual(1);
    expect(held.filter((s) => s !== 303 && s !== 401 && s !== 503)).toEqual([]);
    await context.close();
  });

  it('re-checks through the refresh token, and ends the session once the provider no longer knows the person', async () => {
    const { url, cookie, context } = await capturedCallback('sam');
    const res = await callback(url, cookie);
    const session = res.headers.getSetCookie().find((c) => c.startsWith('idphotos_session='))!.split(';')[0]!;
    const token = session.split('=')[1]!;
    const auth = site.app.ctx.auth;
    expect((await auth.authenticate(token, new Date(Date.now() + 16 * 60_000)))?.role).toBe('staff');
    await provider.disable('sam');
    expect(await auth.authenticate(token, new Date(Date.now() + 32 * 60_000))).toBeUndefined();
    expect(site.app.ctx.audit.list({ actor: 'sam@district.test' })[0]).toMatchObject({ action: 'signin.revoked' });
    await context.close();
  });

  it('re-checks a disabled person even while junk callbacks hold every place (never "busy, stay in")', async () => {
    const signedIn = await capturedCallback('ada');
    const junk = await capturedCallback('ada');
    const res = await callback(signedIn.url, signedIn.cookie);
    const token = res.headers.getSetCookie().find((c) => c.startsWith('idphotos_session='))!.split(';')[0]!.split('=')[1]!;
    await provider.disable('ada');
    // The leaver keeps the token endpoint's places full (the provider slow, here paused).
    provider.pause();
    const statuses: number[] = [];
    const calls = Array.from({ length: OIDC_MAX_IN_FLIGHT + 4 }, () => callback(junk.url, junk.cookie).then((r) => void statuses.push(r.status)));
    let recheck: Promise<unknown> | undefined;
    try {
      await expect.poll(() => statuses.filter((s) => s === 429).length, POLL).toBe(4);
      recheck = site.app.ctx.auth.authenticate(token, new Date(Date.now() + 16 * 60_000));
    } finally {
      provider.resume();
    }
    expect(await recheck).toBeUndefined();
    expect(site.app.ctx.audit.list({ actor: 'ada@district.test' })[0]).toMatchObject({ action: 'signin.revoked' });
    await Promise.all(calls);
    await signedIn.context.close();
    await junk.context.close();
  });
});

describe('OIDC roles from allowed_domains and admin_emails (providers without groups, as Google)', () => {
  it('makes everyone of an allowed domain staff, admin_emails admins, and refuses other domains', async () => {
    const door = await frontDoor();
    const provider = await startProvider([{ client_id: 'idphotos', client_secret: 'idphotos-client-secret', redirect_uris: [door.url + CALLBACK] }]);
    const browser = await launchChromium();
    const sites: TestSite[] = [];
    const siteFor = async (roles: string) => {
      const site = await createTestSite(oidcToml(door.url, provider.issuer, roles));
      sites.push(site);
      door.target((await site.app.start()).webPort);
      return site;
    };
    const signInAs = (login: string): Promise<Page> => signInThroughDoor(browser, door.url, login);
    try {
      await siteFor('allowed_domains = ["district.test"]\nadmin_emails = ["SAM@district.test"]');
      const sam = await signInAs('sam');
      await sam.waitForURL(`${door.url}/`);
      expect((await sam.goto(`${door.url}/admin/status`))?.status()).toBe(200);
      const ada = await signInAs('ada');
      await ada.waitForURL(`${door.url}/`);
      expect((await ada.goto(`${door.url}/admin/status`))?.status()).toBe(403);

      const elsewhere = await siteFor('allowed_domains = ["elsewhere.test"]');
      const refused = await signInAs('ada');
      await expect.poll(async () => (await refused.content()).includes('ada@district.test is not allowed to sign in'), POLL).toBe(true);
      expect(elsewhere.app.ctx.audit.list({ actor: 'ada@district.test' })[0]).toMatchObject({ action: 'signin.refused', detail: 'oidc: domain_not_allowed' });
    } finally {
      await browser.close();
      for (const site of sites) await site.close();
      await provider.stop();
      await door.close();
    }
  }, 120_000);
});

describe('OIDC admin_emails only for addresses the provider says are verified', () => {
  it('refuses email_verified "false" (a string), and makes an address without email_verified staff, not admin', async () => {
    const door = await frontDoor();
    const provider = await startProvider([{ client_id: 'idphotos', client_secret: 'idphotos-client-secret', redirect_uris: [door.url + CALLBACK] }]);
    const browser = await launchChromium();
    const site = await createTestSite(
      oidcToml(door.url, provider.issuer, 'allowed_domains = ["district.test"]\nadmin_emails = ["una@district.test", "nia@district.test", "sam@district.test"]'),
    );
    door.target((await site.app.start()).webPort);
    const signInAs = (login: string): Promise<Page> => signInThroughDoor(browser, door.url, login);
    try {
      // "false" as a string is not a verified address: refused, never an admin.
      const una = await signInAs('una');
      await expect.poll(async () => (await una.content()).includes('has no verified e-mail address'), POLL).toBe(true);
      expect(site.app.ctx.audit.list({ actor: '(Test District sign-in)' })[0]).toMatchObject({ action: 'signin.refused', detail: 'oidc: no_email' });
      expect(site.app.ctx.auth.staff.list().some((s) => s.identity === 'una@district.test')).toBe(false);
      // No claim at all: let in by its domain as staff, but admin_emails does not make it admin.
      const nia = await signInAs('nia');
      await nia.waitForURL(`${door.url}/`);
      expect((await nia.goto(`${door.url}/admin/status`))?.status()).toBe(403);
      // A verified address in admin_emails is still an admin.
      const sam = await signInAs('sam');
      await sam.waitForURL(`${door.url}/`);
      expect((await sam.goto(`${door.url}/admin/status`))?.status()).toBe(200);
    } finally {
      await browser.close();
      await site.close();
      await provider.stop();
      await door.close();
    }
  }, 120_000);
});

/**
 * An HTTP relay in front of the real provider (which calls itself by the relay's address) that
 * passes everything on but its JWKS: there it publishes, under the provider's key ids, keys
 * of its own. ID tokens then carry a signature that the published keys do not verify, as a
 * token forged by someone answering for the provider would.
 */
async function jwksSwappingRelay(): Promise<{ url: string; target(port: number): void; close(): Promise<void> }> {
  let targetPort = 0;
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  const server = createHttpServer((req, res) => {
    const upstream = httpRequest({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, async (answer) => {
      if (req.method === 'GET' && req.url?.split('?')[0]?.endsWith('/jwks')) {
        const chunks: Buffer[] = [];
        for await (const c of answer) chunks.push(c as Buffer);
        const jwks = JSON.parse(Buffer.concat(chunks).toString()) as { keys: Record<string, unknown>[] };
        const keys = jwks.keys.map((k) => (k.kty === 'RSA' ? { ...k, n: other.n, e: other.e } : k));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    target: (p) => (targetPort = p),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('OIDC ID token signature', () => {
  it('refuses an ID token that the keys the provider publishes (its JWKS) do not verify', async () => {
    const door = await frontDoor();
    const relay = await jwksSwappingRelay();
    const provider = await startProvider([{ client_id: 'idphotos', client_secret: 'idphotos-client-secret', redirect_uris: [door.url + CALLBACK] }], relay.url);
    relay.target(provider.port);
    const browser = await launchChromium();
    const site = await createTestSite(oidcToml(door.url, relay.url, 'allowed_domains = ["district.test"]'));
    door.target((await site.app.start()).webPort);
    try {
      const page = await signInThroughDoor(browser, door.url, 'sam');
      await expect.poll(async () => (await page.content()).includes('did not complete'), POLL).toBe(true);
      const refused = site.app.ctx.audit.list({ actor: '(Test District sign-in)' })[0];
      expect(refused?.action).toBe('signin.refused');
      expect(refused?.detail).toMatch(/signature/i);
      expect(site.app.ctx.audit.list({ actor: 'sam@district.test' })).toEqual([]);
      expect(site.app.ctx.auth.staff.list().some((s) => s.identity === 'sam@district.test')).toBe(false);
    } finally {
      await browser.close();
      await site.close();
      await provider.stop();
      await relay.close();
      await door.close();
    }
  }, 120_000);
});

describe('OIDC refusals a signed-out client repeats', () => {
  it('writes login_max_failures audit entries per address and window, then counts the rest into one', async () => {
    const down = await frontDoor();
    const issuer = down.url;
    await down.close();
    const site = await createTestSite(`
public_url = "http://127.0.0.1:1"
login_max_failures = 3
[web.oidc]
display_name = "Test District"
issuer = "${issuer}"
client_id = "idphotos"
client_secret = "s"
allowed_domains = ["district.test"]
`);
    try {
      const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });
      // A callback with no sign-in started: a GET that any web page can make a browser send.
      for (let i = 0; i < 40; i++) expect((await site.web.request(`${CALLBACK}?code=x&state=y`, {}, from('10.7.0.1'))).status).toBe(401);
      const refused = () => site.app.ctx.audit.list({ actor: '(Test District sign-in)' }).filter((e) => e.action === 'signin.refused');
      expect(refused().map((e) => [e.ip, e.detail])).toEqual(Array(3).fill(['10.7.0.1', 'oidc: no_pending_signin']));
      // Another address has its own allowance.
      expect((await site.web.request(`${CALLBACK}?code=x&state=y`, {}, from('10.7.0.2'))).status).toBe(401);
      expect(refused().filter((e) => e.ip === '10.7.0.2')).toHaveLength(1);
      // The rest are counted, and written as one entry when the window ends (here: at stop).
      site.app.ctx.audit.close();
      const summary = site.app.ctx.audit.list({ actor: '(Test District sign-in)' }).find((e) => /37 from this address/.test(e.detail));
      expect(summary).toMatchObject({ action: 'signin.refused', ip: '10.7.0.1' });
    } finally {
      await site.close();
    }
  });
});

describe('OIDC provider down', () => {
  it('says which provider failed, and local accounts still sign in', async () => {
    const door = await frontDoor();
    const secrets = mkdtempSync(join(tmpdir(), 'idphotos-oidc-'));
    const secretFile = join(secrets, 'oidc-client-secret');
    writeFileSync(secretFile, 'x');
    // A provider that is not running: its port was free a moment ago and nothing listens there.
    const down = await frontDoor();
    const issuer = down.url;
    await down.close();
    const broken = await createTestSite(`
public_url = "${door.url}"
[web.oidc]
display_name = "Test District"
issuer = "${issuer}"
client_id = "idphotos"
client_secret_file = "${secretFile}"
allowed_domains = ["district.test"]
`);
    try {
      const res = await broken.web.request('/login/oidc');
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('Sign-in with Test District is not working right now');
      expect(await (await broken.web.request('/login')).text()).toContain('Sign-in with Test District is not working right now');
      const local = await broken.web.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'admin', password: PASSWORDS.admin }).toString(),
      });
      expect(local.status).toBe(303);
    } finally {
      await broken.close();
      await door.close();
      rmSync(secrets, { recursive: true, force: true });
    }
  });
});
