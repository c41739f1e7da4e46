// GET /healthz is answered in front of the app (web/health-fast-path.ts), and the app behind it
// is made at the first request that needs it (web/server.ts): the same answer either way.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSite, PASSWORDS, type TestSite } from './helpers.ts';

/** One plain HTTP/1.1 request to the real server, raw headers as sent (node:http, no fetch). */
function get(port: number, path: string, method = 'GET', headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The headers that are the answer's own: not the per-request timing, date or connection ones. */
const own = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).filter(([k]) => !['server-timing', 'date', 'connection', 'keep-alive', 'content-length'].includes(k)).sort(([a], [b]) => a.localeCompare(b)));

describe('/healthz in front of the app, and the app made at its first request', () => {
  let site: TestSite;
  let port: number;
  beforeAll(async () => {
    site = await createTestSite();
    port = (await site.app.start()).webPort;
  });
  afterAll(() => site?.close());

  it('answers /healthz with the body, status and headers of the app route, and its time is counted', async () => {
    const count = async () => Number(/^idphotos_web_request_duration_seconds_count\S* (\d+)/m.exec(await site.app.ctx.metrics.render())?.[1] ?? 0);
    const before = await count();
    const front = await get(port, '/healthz');
    const chain = await site.web.request('http://127.0.0.1/healthz');
    const chainHeaders = Object.fromEntries(chain.headers);
    expect(front.status).toBe(200);
    expect(front.body).toBe(await chain.text());
    expect(JSON.parse(front.body)).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(own(front.headers)).toEqual(own(chainHeaders));
    expect(front.headers['content-length']).toBe(String(Buffer.byteLength(front.body)));
    expect(front.headers['server-timing']).toMatch(/^app;dur=\d+\.\d\d$/);
    expect(front.headers['strict-transport-security']).toBeUndefined();
    // One for the front's answer, one for the app's (site.web.request above).
    expect(await count()).toBe(before + 2);
  });

  it('hands every other shape to the app, which answers the same way', async () => {
    const plain = own((await get(port, '/healthz')).headers);
    for (const [path, method] of [['/healthz?x=1', 'GET'], ['/healthz', 'HEAD']] as const) {
      const res = await get(port, path, method);
      expect(res.status, `${method} ${path}`).toBe(200);
      expect(own(res.headers), `${method} ${path}`).toEqual(plain);
    }
    // An odd Host is the app's to refuse, as before.
    expect((await get(port, '/healthz', 'GET', { host: 'a b' })).status).toBe(400);
  });

  it('requests that come together while the app is being made all get their answer', async () => {
    const fresh = await createTestSite();
    try {
      const p = (await fresh.app.start()).webPort;
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => get(p, i % 2 ? '/login' : '/healthz?first')));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(answers[1]!.body).toContain('<form');
      // And signing in, a POST with a body the app reads after it was made, works.
      const login = await fetch(`http://127.0.0.1:${p}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://127.0.0.1:${p}` },
        body: new URLSearchParams({ username: 'admin', password: PASSWORDS.admin }).toString(),
      });
      expect(login.status).toBe(303);
    } finally {
      await fresh.close();
    }
  });
});
