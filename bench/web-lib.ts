import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applianceToml } from '../scripts/proof/lib/appliance-toml.ts';
import { createApp, type App } from '../src/app.ts';
import { parseConfig } from '../src/config/parse.ts';
import type { Db } from '../src/storage/db.ts';

export const BENCH_PASSWORD = 'bench-password-1';

/** A real appliance on a temp data_dir, listening on 127.0.0.1 ports chosen by the OS. */
export async function startBenchApp(): Promise<{ app: App; base: string; dir: string; close(): Promise<void> }> {
  process.env.IDPHOTOS_LOG_LEVEL ??= 'warn';
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-bench-web-'));
  const toml = await applianceToml({ logLevel: 'warn', webAccounts: [{ username: 'bench', password: BENCH_PASSWORD, role: 'staff' }] });
  const app = await createApp(parseConfig(toml, '', dir));
  const { webPort } = await app.start();
  return {
    app,
    base: `http://127.0.0.1:${webPort}`,
    dir,
    async close() {
      await app.stop(500);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in like the browser form does and returns the Cookie header value (the bench account unless told). */
export async function benchSignIn(base: string, username = 'bench', password = BENCH_PASSWORD): Promise<string> {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
  const cookie = res.headers.get('set-cookie');
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
  return cookie.split(';')[0]!;
}

const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Christopher', 'Nancy', 'Daniel', 'Lisa', 'Matthew', 'Betty', 'Anthony', 'Margaret', 'Mark', 'Sandra', 'José', 'Zoë', 'Ana', 'Luis', 'Mei', 'Wei', 'Aiden', 'Sofia', 'Liam', 'Emma', 'Noah', 'Olivia', 'Mateo', 'Amara', 'Kai', 'Layla', 'Diego', 'Hana', 'Omar', 'Nia'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', "O'Brien", 'Smith-Jones', 'Okafor', 'Kowalski', 'Haddad', 'Tanaka', 'Rossi', 'Patel', 'Dubois', 'Silva'];
const BUILDINGS = ['ES-LINCOLN', 'ES-WASHINGTON', 'ES-JEFFERSON', 'ES-ADAMS', 'MS-ROOSEVELT', 'MS-KENNEDY', 'HS-CENTRAL', 'HS-NORTH'];

/** A deterministic pseudo-random source, so every run searches the same district. */
export function seeded(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface BenchUser {
  local_id: string;
  first_name: string;
  last_name: string;
}

/**
 * `count` users as a roster import leaves them (90% students, 5% inactive), with last names
 * that repeat as real ones do and a suffix on some to spread them out. Written in one transaction.
 */
export function insertUsers(db: Db, count: number, rnd = seeded()): BenchUser[] {
  const at = new Date().toISOString();
  const users: BenchUser[] = [];
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)]!;
  db.tx(() => {
    for (let i = 0; i < count; i++) {
      const student = rnd() < 0.9;
      const local_id = student ? String(200000 + i).padStart(7, '0') : `T${String(i).padStart(6, '0')}`;
      const first_name = pick(FIRST);
      const last_name = rnd() < 0.6 ? pick(LAST) : `${pick(LAST)}${pick(['son', 'er', 'ez', 'ski', 'ton', 'ley', 'berg', 'ova'])}`;
      const grade = student ? String(Math.floor(rnd() * 13) || 'K') : '';
      const active = rnd() < 0.95 ? 1 : 0;
      db.run(
        `INSERT INTO users (local_id, first_name, last_name, role, grade, building, email, active, source, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'students.csv', ?, ?)`,
        local_id, first_name, last_name, student ? 'student' : 'staff', grade, pick(BUILDINGS), `${local_id}@example.org`, active, at, at,
      );
      users.push({ local_id, first_name, last_name });
    }
  });
  db.exec('ANALYZE');
  return users;
}

/**
 * What people type, as `/search?…` paths: growing prefixes of a last or first name, "first
 * last", an ID, a filter; 80% as search-as-you-type (the result list alone).
 */
export function searchQueries(users: BenchUser[], rnd: () => number): () => string {
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)]!;
  return () => {
    const u = pick(users);
    const r = rnd();
    const prefix = (s: string) => s.slice(0, 1 + Math.floor(rnd() * Math.min(6, s.length)));
    const params = new URLSearchParams();
    if (r < 0.45) params.set('q', prefix(u.last_name));
    else if (r < 0.65) params.set('q', prefix(u.first_name));
    else if (r < 0.8) params.set('q', `${u.first_name} ${prefix(u.last_name)}`);
    else if (r < 0.9) params.set('q', u.local_id.slice(0, 3 + Math.floor(rnd() * 5)));
    else {
      params.set('q', prefix(u.last_name));
      params.set('grade', String(1 + Math.floor(rnd() * 12)));
    }
    // Search-as-you-type asks for the result list alone; a typed-out search loads the page.
    if (rnd() < 0.8) params.set('fragment', '1');
    return `/search?${params}`;
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarize(values: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/** Reads `Server-Timing: app;dur=X` (milliseconds). */
export function serverMs(res: Response): number {
  const m = /app;dur=([0-9.]+)/.exec(res.headers.get('server-timing') ?? '');
  if (!m) throw new Error('no Server-Timing header');
  return Number(m[1]);
}
