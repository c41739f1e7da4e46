/**
 * Search and profile pages over 100,000 users: server time (Server-Timing) and client latency
 * per request, p50/p95/p99, sequential requests from one signed-in client over HTTP. The
 * reference in the same run is GET /healthz, the cheapest answer the same server gives.
 *
 *   npx tsx bench/web-search.ts [--users 100000] [--requests 2000]
 */
import { parseArgs } from 'node:util';
import { benchSignIn, insertUsers, searchQueries, seeded, serverMs, startBenchApp, summarize } from './web-lib.ts';
import { databaseOf } from '../src/storage/index.ts';

const { values } = parseArgs({ options: { users: { type: 'string', default: '100000' }, requests: { type: 'string', default: '2000' } } });
const USERS = Number(values.users);
const REQUESTS = Number(values.requests);

const site = await startBenchApp();
try {
  const t0 = performance.now();
  const users = insertUsers(databaseOf(site.app.storage), USERS);
  console.log(`inserted ${USERS} users in ${Math.round(performance.now() - t0)} ms`);
  const cookie = await benchSignIn(site.base);
  const rnd = seeded(7);
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)]!;
  const query = searchQueries(users, rnd);

  async function run(label: string, path: () => string): Promise<void> {
    for (let i = 0; i < 50; i++) await (await fetch(`${site.base}${path()}`, { headers: { cookie } })).arrayBuffer();
    const server: number[] = [];
    const client: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const start = performance.now();
      const res = await fetch(`${site.base}${path()}`, { headers: { cookie } });
      await res.arrayBuffer();
      client.push(performance.now() - start);
      if (res.status !== 200) throw new Error(`${label}: HTTP ${res.status}`);
      server.push(serverMs(res));
    }
    const s = summarize(server);
    const c = summarize(client);
    const f = (n: number) => n.toFixed(2);
    console.log(`${label.padEnd(22)} server ms p50 ${f(s.p50)} p95 ${f(s.p95)} p99 ${f(s.p99)} max ${f(s.max)} | client ms p50 ${f(c.p50)} p95 ${f(c.p95)} p99 ${f(c.p99)}`);
  }

  await run('healthz (reference)', () => '/healthz');
  await run('search', query);
  await run('profile page', () => `/users/${encodeURIComponent(pick(users).local_id)}`);
} finally {
  await site.close();
}
