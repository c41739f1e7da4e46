import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { applianceToml } from '../../scripts/proof/lib/appliance-toml.ts';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { openDatabase } from '../../src/storage/db.ts';
import { PASSWORDS, SITE_ACCOUNTS } from './helpers.ts';

// Regression tests for the outside attack of issue 12 on the web viewer (findings 6 to 8),
// over real HTTP against the real appliance on 127.0.0.1:0, from several loopback addresses.

let app: App;
let dir: string;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idphotos-web-attack-'));
  const toml = await applianceToml({
    dataDir: 'data',
    logLevel: 'silent',
    webToml: 'login_max_failures = 30\nlogin_concurrent_checks = 1',
    webAccounts: SITE_ACCOUNTS,
  });
  app = await createApp(parseConfig(toml, '', dir));
  port = (await app.start()).webPort;
});
afterAll(async () => {
  await app?.stop(1000).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(method: string, path: string, opts: { from?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, localAddress: opts.from, agent: false, headers: { ...opts.headers, ...(opts.body ? { 'content-length': Buffer.byteLength(opts.body) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const signInForm = (username: string, password: string) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ username, password }).toString(),
});

async function signIn(username: keyof typeof PASSWORDS, from = '127.0.0.1'): Promise<{ cookie: string; csrf: string }> {
  const res = await http('POST', '/login', { from, ...signInForm(username, PASSWORDS[username]) });
  expect(res.status).toBe(303);
  const cookie = String((res.headers['set-cookie'] as string[])[0]).split(';')[0]!;
  const page = await http('GET', '/', { from, headers: { cookie } });
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
}

describe('findings 6 and 7: parallel sign-in guesses', () => {
  it('150 parallel wrong passwords from one address: only login_max_failures are checked, the rest refused 429 unhashed; another address signs in meanwhile, ahead of most of them', async () => {
    // Real clients in other processes (curl), as an attacker and a district's staff would be:
    // a client inside this process would itself wait on the appliance's event loop.
    const url = `http://127.0.0.1:${port}/login`;
    const ownerSocket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.3' });
    await new Promise((resolve) => ownerSocket.once('connect', resolve));
    const sendOwner = () =>
      new Promise<string>((resolve) => {
        const body = `username=desk&password=${encodeURIComponent(PASSWORDS.desk)}`;
        let answer = '';
        ownerSocket.on('data', (d: Buffer) => {
          answer += d.toString('latin1');
          const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
          if (status) {
            ownerSocket.destroy();
            resolve(status[1]!);
          }
        });
        ownerSocket.write(`POST /login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      });
    const flood = spawn('curl', ['-s', '--no-progress-meter', '--parallel', '--parallel-immediate', '--parallel-max', '150', '--interface', '127.0.0.2', '-o', '/dev/null', '-w', '%{stderr}%{http_code}\\n', '-d', 'username=admin&password=guess', `${url}?n=[1-150]`]);
    const codes: string[] = [];
    const others: string[] = [];
    let owner: Promise<string> | undefined;
    /** Guesses already answered 401 (checked) when the owner's request went out. */
    let checkedBeforeOwner = 0;
    const floodDone = new Promise<void>((resolve) => {
      // NB: on stderr, which curl does not buffer: the first answer is seen when it arrives.
      createInterface({ input: flood.stderr }).on('line', (line) => {
        if (!/^\d{3}$/.test(line.trim())) return void others.push(line);
        codes.push(line.trim());
        // Once the first guess is answered, the checks let through are queued or running: the
        // owner's request goes out now, on a connection opened before the flood.
        if (!owner) {
          checkedBeforeOwner = codes.filter((c) => c === '401').length;
          owner = sendOwner();
        }
      });
      flood.on('close', () => resolve());
    });
    await floodDone;
    expect(await owner).toBe('303');
    expect(others).toEqual([]);
    expect(codes.length).toBe(150);
    expect(codes.filter((c) => c === '401').length).toBe(30);
    expect(codes.filter((c) => c === '429').length).toBe(120);
    // The order the appliance finished them in: checks take turns by address, so once its
    // request was out the owner waited for a few of the flood's checks, not for all the rest.
    const order = app.ctx.audit
      .list({ limit: 1000 })
      .reverse()
      .filter((e) => (e.action === 'signin.refused' && e.ip === '127.0.0.2' && e.detail === 'wrong_password') || (e.action === 'signin' && e.actor === 'desk'))
      .map((e) => (e.action === 'signin' ? 'owner' : 'guess'));
    const ownerAt = order.indexOf('owner');
    expect(order.length).toBe(31);
    expect(ownerAt - checkedBeforeOwner).toBeLessThanOrEqual(4);
    expect(ownerAt).toBeLessThan(25);
  });
});

describe('finding 8: every state change is audited, whatever route it comes through', () => {
  it('JSON API restore, approve and discard each leave an audit entry, like the pages', async () => {
    const { ctx } = app;
    const admin = await signIn('admin');
    const json = (body: unknown) => ({ headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // Two photo versions of S2, and two held imports (a grade change for every student).
    for (const background of ['#336699', '#993366']) {
      const file = join(dir, 'S2.jpg');
      writeFileSync(file, await sharp({ create: { width: 120, height: 160, channels: 3, background } }).jpeg().toBuffer());
      await ctx.photos.addFile(file, { account: 'district' });
    }
    const file = join(dir, 'students.csv');
    const rows = ['Student_Number,First_Name,Last_Name,Grade'];
    for (let i = 0; i < 40; i++) rows.push(`R${i},First${i},Last${i},5`);
    writeFileSync(file, rows.join('\n') + '\n');
    await ctx.roster.importFile({ path: file, origin: 'cli' });
    const hold = async (grade: string) => {
      writeFileSync(file, rows.map((r, i) => (i ? r.replace(/,5$/, `,${grade}`) : r)).join('\n') + '\n');
      const rec = await ctx.roster.importFile({ path: file, origin: 'cli' });
      expect(rec.status).toBe('held');
      return rec.id;
    };

    const older = ctx.photos.history('S2').find((v) => !v.current)!;
    const restored = await http('POST', '/api/photos/S2/restore', json({ version: older.version_id }));
    expect(restored.status).toBe(200);
    const held = [await hold('6')];
    expect((await http('POST', `/api/imports/${held[0]}/discard`, json({}))).status).toBe(200);
    held.push(await hold('7'));
    expect((await http('POST', `/api/imports/${held[1]}/approve`, json({}))).status).toBe(200);
    // A refused change (a staff account on an admin route) changes nothing and is not an entry.
    const desk = await signIn('desk');
    expect((await http('POST', `/api/imports/${held[1]}/approve`, { headers: { cookie: desk.cookie, 'x-csrf-token': desk.csrf } })).status).toBe(403);

    const entries = ctx.audit.list({ actor: 'admin' }).filter((e) => e.action === 'admin.action');
    expect(entries.map((e) => e.detail)).toEqual([
      `import ${held[1]} approved (students.csv): applied`,
      `import ${held[0]} discarded (students.csv): discarded`,
      `photo version ${older.version_id} restored`,
    ]);
    expect(entries.at(-1)!.local_id).toBe('S2');
    expect(entries.every((e) => e.ip === '127.0.0.1')).toBe(true);
    expect(ctx.audit.list({ actor: 'desk' }).filter((e) => e.action === 'staff.action')).toEqual([]);
  });
});

describe('finding 7: refused sign-ins under the limit are summarised (at stop, the summary is written)', () => {
  it('one signin.refused row for 127.0.0.2 with the count, beside one row per checked guess', async () => {
    await app.stop(1000);
    const db = openDatabase(join(dir, 'data', 'idphotos.db'));
    try {
      const rows = db.all<{ actor: string; detail: string }>("SELECT actor, detail FROM audit_log WHERE action = 'signin.refused' AND ip = '127.0.0.2' ORDER BY id");
      expect(rows.filter((r) => r.detail === 'wrong_password').length).toBe(30);
      const summaries = rows.filter((r) => r.detail.startsWith('rate_limited'));
      expect(summaries.length).toBe(1);
      expect(summaries[0]!.detail).toMatch(/^rate_limited: 120 from this address between \S+ and \S+; names tried: admin$/);
      expect(summaries[0]!.actor).toBe('admin');
      expect(rows.length).toBe(31);
    } finally {
      db.close();
    }
  });
});
