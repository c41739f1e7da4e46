import { afterEach, describe, expect, it } from 'vitest';
import { makeEnv, numbered, students, type Env } from './helpers.ts';

let env: Env;
afterEach(() => env?.close());

describe('the page cache while a roster imports', () => {
  it('is 4 MB on the appliance connection while the import runs, and 16 MB again once it is done', async () => {
    env = makeEnv();
    const cache = () => env.db.get<{ cache_size: number }>('PRAGMA cache_size')!.cache_size;
    expect(cache()).toBe(-16000);
    const seen = new Set<number>();
    let running = true;
    const probe = (async () => {
      while (running) {
        await new Promise((r) => setImmediate(r));
        seen.add(cache());
      }
    })();
    const rec = await env.roster.importFile({ path: env.file('students.csv', students(numbered(5000))), origin: 'test' });
    running = false;
    await probe;
    expect(rec).toMatchObject({ status: 'applied', added: 5000 });
    expect(seen.has(-4000)).toBe(true);
    expect(cache()).toBe(-16000);
    // A refused file gives it back too.
    expect(await env.roster.importFile({ path: env.file('students.csv', 'Local ID,First Name\r\n'), origin: 'test' })).toMatchObject({ status: 'refused' });
    expect(cache()).toBe(-16000);
  });
});
