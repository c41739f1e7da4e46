// /metrics: the Prometheus text of a real appliance after real SFTP uploads, checked by promtool,
// and who may read it (metrics.allow, the bearer token).
import { readFileSync, writeFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, redactConfig } from '../../src/config/parse.ts';
import { photo } from '../sftp/harness.ts';
import { run, sample, startAppliance, type Appliance } from './helpers.ts';

/** `promtool check metrics` reads the exposition on stdin; exit 0 means it parsed and passed the lint. */
const promtool = (text: string) => run('promtool', ['check', 'metrics'], { input: text });

describe('/metrics on a running appliance', () => {
  let a: Appliance;
  beforeAll(async () => {
    a = await startAppliance('[roster]\nquiet_seconds = 0');
  });
  afterAll(async () => a?.stop());

  it('counts real SFTP uploads by outcome and refusals by reason, and promtool accepts the text', async () => {
    // Accepted: two photos and a roster. Refused: a name that is no photo name (at OPEN), a
    // JPEG cut short (at commit), a data file of a name no importer takes.
    const good = await photo(1);
    const photos = await a.upload('idphotos', { 'S1.jpg': good, 'S2.jpg': await photo(2), 'notes.txt': 'hello', 'S3.jpg': good.subarray(0, good.length - 40) });
    // `-put` goes on past a refusal and prints it.
    expect(photos.stderr).toContain('notes.txt');
    const data = await a.upload('data', { 'students.csv': 'Local ID,First Name,Last Name\r\nS1,Ana,Ruiz\r\n', 'grades.csv': 'x\r\n' });
    expect(data.stderr).toContain('grades.csv');
    await a.app.ctx.imports.idle();

    const metricsText = async () => {
      const res = await fetch(`${a.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      return res.text();
    };
    // NB: the photos' display images are rendered after the acknowledgement, once the uploads
    // pause (limiter.ts): the render queue the metric shows drains to 0.
    let text = '';
    await expect.poll(async () => sample((text = await metricsText()), 'idphotos_render_queue_depth'), { timeout: 30_000 }).toBe(0);
    const checked = await promtool(text);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);

    expect(sample(text, 'idphotos_uploads_total{folder="idphotos",outcome="accepted"}')).toBe(2);
    expect(sample(text, 'idphotos_uploads_total{folder="idphotos",outcome="refused"}')).toBe(2);
    expect(sample(text, 'idphotos_upload_refusals_total{folder="idphotos",reason="name"}')).toBe(1);
    expect(sample(text, 'idphotos_upload_refusals_total{folder="idphotos",reason="incomplete"}')).toBe(1);
    expect(sample(text, 'idphotos_uploads_total{folder="data",outcome="accepted"}')).toBe(1);
    expect(sample(text, 'idphotos_upload_refusals_total{folder="data",reason="name"}')).toBe(1);
    expect(sample(text, 'idphotos_imports{status="applied"}')).toBe(1);
    // The refused grades.csv is recorded as a refused import too (the admin's list shows it).
    expect(sample(text, 'idphotos_imports{status="refused"}')).toBe(1);
    expect(sample(text, 'idphotos_imports{status="held"}')).toBe(0);
    expect(sample(text, 'idphotos_render_queue_depth')).toBe(0);
    expect(sample(text, 'idphotos_render_queue_oldest_age_seconds')).toBe(0);
    expect(sample(text, 'idphotos_sftp_sessions')).toBe(0);
    expect(sample(text, 'idphotos_disk_free_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'idphotos_disk_size_bytes')).toBeGreaterThanOrEqual(sample(text, 'idphotos_disk_free_bytes')!);
    expect(sample(text, 'idphotos_last_backup_age_seconds')).toBe(Number.POSITIVE_INFINITY);
    // Web requests land in the latency histogram; the +Inf bucket equals the count.
    for (let i = 0; i < 3; i++) await (await fetch(`${a.url}/healthz`)).text();
    const after = await (await fetch(`${a.url}/metrics`)).text();
    const count = sample(after, 'idphotos_web_request_duration_seconds_count')!;
    expect(count).toBeGreaterThanOrEqual(4);
    expect(sample(after, 'idphotos_web_request_duration_seconds_bucket{le="+Inf"}')).toBe(count);

    // Display images return early from the middleware that times requests: timed there too.
    const login = await fetch(`${a.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: a.url }, body: 'username=admin&password=correct+horse+battery+staple' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const image = await fetch(`${a.url}/photos/S1?size=thumb`, { headers: { cookie } });
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    await image.arrayBuffer();
    const scrape = async () => sample(await (await fetch(`${a.url}/metrics`)).text(), 'idphotos_web_request_duration_seconds_count')!;
    const before = await scrape();
    const again = await fetch(`${a.url}/photos/S1?size=thumb`, { headers: { cookie, 'if-none-match': image.headers.get('etag')! } });
    expect(again.status).toBe(304);
    // The scrape before counts itself after it answered; the 304 and that scrape are counted now.
    expect(await scrape()).toBe(before + 2);
  });

  it('does not count a request a reverse proxy forwarded as coming from this machine (the default allow)', async () => {
    // Straight from this machine: allowed by metrics.allow's loopback default.
    expect((await fetch(`${a.url}/metrics`)).status).toBe(200);
    // Through a proxy on this machine (nginx for HTTPS), a client elsewhere arrives from 127.0.0.1 too.
    for (const header of [{ 'x-forwarded-for': '203.0.113.7' }, { forwarded: 'for=203.0.113.7' }, { 'x-real-ip': '203.0.113.7' }] as Record<string, string>[]) {
      const res = await fetch(`${a.url}/metrics`, { headers: header });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('idphotos_uploads_total');
    }
  });

  it('shows the SFTP sessions signed in when scraped', async () => {
    const client = await new Promise<ssh2.Client>((resolve, reject) => {
      const c = new ssh2.Client();
      c.on('ready', () => resolve(c)).on('error', reject);
      c.connect({ host: '127.0.0.1', port: a.port, username: 'district', privateKey: readFileSync(a.keyFile), readyTimeout: 20_000 });
    });
    const sessions = async () => sample(await (await fetch(`${a.url}/metrics`)).text(), 'idphotos_sftp_sessions');
    try {
      await expect.poll(sessions).toBe(1);
    } finally {
      client.end();
    }
    await expect.poll(sessions).toBe(0);
  });
});

describe('who may read /metrics', () => {
  let a: Appliance;
  beforeAll(async () => {
    a = await startAppliance('[metrics]\nallow = ["192.0.2.0/24"]\ntoken_file = "metrics.token"', {
      createDir: (dir) => writeFileSync(join(dir, 'metrics.token'), 'scrape-secret-0123456789\n'),
    });
  });
  afterAll(async () => a?.stop());

  it('refuses a source outside metrics.allow, and lets the bearer token in from anywhere', async () => {
    const plain = await fetch(`${a.url}/metrics`);
    expect(plain.status).toBe(403);
    expect(await plain.text()).toContain('metrics.allow');
    expect((await fetch(`${a.url}/metrics`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(403);
    expect((await fetch(`${a.url}/metrics`, { headers: { authorization: 'Basic c2NyYXBlLXNlY3JldC0wMTIzNDU2Nzg5' } })).status).toBe(403);
    const ok = await fetch(`${a.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE idphotos_uploads_total counter');
  });

  it('never shows /metrics to a signed-in admin from a source not allowed (it is not a page)', async () => {
    const login = await fetch(`${a.url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: a.url }, body: 'username=admin&password=correct+horse+battery+staple' });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(cookie).toContain('idphotos_session=');
    expect((await fetch(`${a.url}/metrics`, { headers: { cookie } })).status).toBe(403);
  });
});

describe('[metrics] configuration', () => {
  it.each([
    ['allow = ["10.0.0.300"]', 'metrics.allow[0]: "10.0.0.300" is not an IP address or CIDR range'],
    ['allow = ["10.0.0.0/33"]', 'metrics.allow[0]: "10.0.0.0/33": the prefix length must be 0 to 32'],
    ['token = "a"\ntoken_file = "t"', 'metrics.token_file: set token or token_file, not both'],
  ])('refuses %s with the key and the reason', (toml, message) => {
    expect(() => parseConfig(`[metrics]\n${toml}\n`, 'a.toml')).toThrow(message);
  });

  it('stops a start whose token file is missing, naming it', async () => {
    await expect(startAppliance('[metrics]\ntoken_file = "absent.token"')).rejects.toThrow(/metrics.token_file \S+absent.token cannot be read/);
  });

  it('keeps the token out of the start-up log line', () => {
    const config = parseConfig('[metrics]\ntoken = "scrape-secret"\n', 'a.toml');
    expect(JSON.stringify(redactConfig(config))).not.toContain('scrape-secret');
  });
});
