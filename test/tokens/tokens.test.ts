import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/storage/db.ts';
import { removeTempAppliances, run, serve, tempAppliance, type Served } from '../foundation/cli-process.ts';
import { addUsers, createTestSite, signIn, type TestSite } from '../web/helpers.ts';
import { portraitJpeg } from '../web/portraits.ts';

afterAll(removeTempAppliances);

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// NB: each CLI run is a whole process start (seconds on a busy machine); this test makes several.
describe('integration tokens against a running appliance (CLI in another process, shared database)', { timeout: 300_000 }, () => {
  const { dir, config } = tempAppliance();
  const data = join(dir, 'data');
  let served: Served;
  let base = '';
  let token = '';

  beforeAll(async () => {
    mkdirSync(data, { recursive: true });
    const db = openDatabase(join(data, 'idphotos.db'));
    addUsers(db, [{ local_id: 'S1', first_name: 'Ada', last_name: 'Lovelace', grade: '5' }, { local_id: 'S2', first_name: 'Bo', last_name: 'Nophoto' }]);
    db.close();
    writeFileSync(join(dir, 'S1.jpg'), await portraitJpeg(7));
    const added = await run(['photos', 'add', join(dir, 'S1.jpg'), '--config', config]);
    expect(added.code, added.stderr).toBe(0);
    served = await serve(['serve', '--config', config]);
    base = `http://127.0.0.1:${served.webPort}`;
   }, 300_000);
  afterAll(async () => {
    served?.child.kill('SIGTERM');
    await served?.exited;
  });

  const get = (path: string, t = token, init: RequestInit = {}) => fetch(base + path, { ...init, headers: { authorization: `Bearer ${t}`, ...(init.headers ?? {}) }, redirect: 'manual' });

  it('`tokens create` prints the token once; only its hash is kept', async () => {
    const created = await run(['tokens', 'create', 'cardprinter', '--scope', 'photos:read', '--config', config]);
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
    expect(token).toMatch(/^idp_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown only this once/);
    const db = openDatabase(join(data, 'idphotos.db'), { migrate: false });
    const row = db.get<{ token_hash: string }>("SELECT token_hash FROM integration_tokens WHERE name = 'cardprinter'")!;
    db.close();
    expect(row.token_hash).toBe(sha256(Buffer.from(token)));
    expect(row.token_hash).not.toContain(token);
  });

  it('a bad scope or a taken name is refused, exit code 2 and 1, one line', async () => {
    const scope = await run(['tokens', 'create', 'x', '--scope', 'photos:write', '--config', config]);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toMatch(/unknown scope "photos:write"; the scopes are: photos:read/);
    const taken = await run(['tokens', 'create', 'cardprinter', '--scope', 'photos:read', '--config', config]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/already exists/);
  });

  it('the token reads GET /api/users/{id} and GET /photos/{id}, and nothing else', async () => {
    const user = await get('/api/users/S1');
    expect(user.status).toBe(200);
    const json = (await user.json()) as { local_id: string; photo: { source_sha256: string } | null };
    expect(json.local_id).toBe('S1');
    expect(json.photo?.source_sha256).toMatch(/^[0-9a-f]{64}$/);
    const photo = await get('/photos/S1?size=full');
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(photo.headers.get('x-photo')).toBeNull();
    expect((await photo.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const none = await get('/photos/S2');
    expect(none.headers.get('x-photo')).toBe('placeholder');
    await none.arrayBuffer();

    // Not a staff session: pages, admin areas, writes and earlier versions stay closed.
    for (const [path, init] of [['/', {}], ['/admin/status', {}], ['/api/photos/unmatched', {}], ['/users/S1', {}], ['/api/photos/S1/restore', { method: 'POST' }]] as const) {
      const res = await get(path, token, init);
      expect(res.status, path).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/reads GET \/api\/users\/\{id\} and GET \/photos\/\{id\} only/);
    }
    const version = await get('/photos/S1?version=1');
    expect(version.status).toBe(403);
    await version.arrayBuffer();
  });

  it('an unknown token or a malformed header is 401 with WWW-Authenticate, never the sign-in page', async () => {
    for (const header of [`Bearer idp_${'A'.repeat(43)}`, 'Bearer nope', 'Basic YWRtaW46YWRtaW4=']) {
      const res = await fetch(`${base}/photos/S1`, { headers: { authorization: header }, redirect: 'manual' });
      expect(res.status, header).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      await res.arrayBuffer();
    }
  });

  it('`tokens list` shows it; `tokens revoke` from the CLI gets the running server to answer 401 at once', async () => {
    const listed = await run(['tokens', 'list', '--config', config]);
    expect(listed.stdout).toMatch(/^cardprinter\tphotos:read\tcreated .* by cli:\S+\tactive$/m);
    expect((await get('/api/users/S1')).status).toBe(200);
    const revoked = await run(['tokens', 'revoke', 'cardprinter', '--config', config]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await get('/api/users/S1');
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/unknown or was revoked/);
    expect((await get('/photos/S1')).status).toBe(401);
    const again = await run(['tokens', 'revoke', 'cardprinter', '--config', config]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already revoked/);
    expect((await run(['tokens', 'list', '--config', config])).stdout).toMatch(/^cardprinter\t.*\trevoked .* by cli:/m);
  });

  it('every use is in the audit log under the token name; create and revoke too', async () => {
    served.child.kill('SIGTERM');
    await served.exited;
    const db = openDatabase(join(data, 'idphotos.db'), { migrate: false });
    const rows = db.all<{ actor: string; action: string; local_id: string; detail: string }>('SELECT actor, action, local_id, detail FROM audit_log ORDER BY id');
    db.close();
    const uses = rows.filter((r) => r.action === 'token.use');
    expect(uses.every((r) => r.actor === 'token:cardprinter')).toBe(true);
    // Two reads of /api/users/S1 200, each its own entry (no merging of repeats for tokens).
    expect(uses.filter((r) => r.detail === 'GET /api/users/S1 → 200')).toHaveLength(2);
    expect(uses).toContainEqual(expect.objectContaining({ local_id: 'S1', detail: 'GET /photos/S1 → 200' }));
    expect(uses).toContainEqual(expect.objectContaining({ local_id: 'S1', detail: 'GET /photos/S1 → 403' }));
    expect(rows.filter((r) => r.action === 'photo.view' || r.action === 'user.api_view')).toEqual([]);
    expect(rows.filter((r) => r.action === 'token.create').map((r) => r.detail)).toEqual(['token "cardprinter" (photos:read) created']);
    expect(rows.filter((r) => r.action === 'token.revoke')).toHaveLength(1);
  });
});

describe('the admin tokens page', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await createTestSite();
    addUsers(site.db, [{ local_id: 'S9', first_name: 'Cy', last_name: 'Page' }]);
  });
  afterAll(() => site?.close());

  it('lists tokens to admins only and revokes one with the form; the token is refused from then on', async () => {
    const { token } = site.app.ctx.tokens.create('library', 'photos:read', 'cli:test');
    const bearer = { headers: { authorization: `Bearer ${token}` } };
    expect((await site.web.request('/api/users/S9', bearer)).status).toBe(200);

    const desk = await signIn(site.web, 'desk');
    expect((await site.web.request('/admin/tokens', { headers: { cookie: desk.cookie } })).status).toBe(403);
    const admin = await signIn(site.web, 'admin');
    const page = await (await site.web.request('/admin/tokens', { headers: { cookie: admin.cookie } })).text();
    expect(page).toContain('library');
    expect(page).not.toContain(token);
    expect(page).toContain('action="/admin/tokens/library/revoke"');

    // Without the CSRF token the form does nothing.
    const forged = await site.web.request('/admin/tokens/library/revoke', { method: 'POST', headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(forged.status).toBe(403);
    expect((await site.web.request('/api/users/S9', bearer)).status).toBe(200);

    const res = await site.web.request('/admin/tokens/library/revoke', {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: admin.csrf }).toString(),
    });
    expect(res.status).toBe(303);
    expect((await site.web.request('/api/users/S9', bearer)).status).toBe(401);
    const after = await (await site.web.request(res.headers.get('location')!, { headers: { cookie: admin.cookie } })).text();
    expect(after).toMatch(/Token &quot;library&quot; is revoked/);
    expect(after).toMatch(/Revoked [^<]*<span class="muted">by admin</);
    expect(site.app.ctx.audit.list({ actor: 'admin' }).map((e) => e.detail)).toContain('token "library" revoked');
    // One entry for the one change: the token service wrote it, so the web's catch-all does not add another.
    expect(site.app.ctx.audit.list({ actor: 'admin' }).filter((e) => /revoke/.test(e.detail))).toHaveLength(1);
  });
});
