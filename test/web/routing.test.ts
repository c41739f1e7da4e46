import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSite, signIn, type TestSite } from './helpers.ts';

describe('routing', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await createTestSite();
  });
  afterAll(() => site.close());

  // Hono's SmartRouter keeps the first router that accepts every route. RegExpRouter matches a
  // thumbnail request in one regular expression; when a route pattern it cannot handle is added
  // (a parameter beside a fixed name with a different tail, like `/api/photos/:id/versions` next
  // to `/api/photos/unmatched`), the whole viewer silently falls back to the trie router, a
  // measurable part of every photo request.
  it('the whole viewer runs on RegExpRouter', async () => {
    expect((await site.web.request('/healthz')).status).toBe(200);
    expect(site.web.router.name).toBe('SmartRouter + RegExpRouter');
  });

  it('GET /incidents/new is still the form, answered by the /incidents/:id route', async () => {
    const desk = await signIn(site.web, 'desk');
    const res = await site.web.request('/incidents/new?device=00044', { headers: { cookie: desk.cookie } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<form[^>]+action="\/incidents"/);
    expect((await site.web.request('/incidents/12345', { headers: { cookie: desk.cookie } })).status).toBe(404);
  });
});
