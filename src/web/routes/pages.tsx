import { Hono, type Context } from 'hono';
import type { AppContext } from '../../context.ts';
import type { FilterOptions, SearchQuery } from '../../domain/users/users.ts';
import { AppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { requireRole } from '../middleware/require-role.ts';
import { ProfilePage } from '../views/profile-page.tsx';
import { UserDevicesSection } from '../views/checkout/user-assets.tsx';
import { SearchPage, SearchResults } from '../views/search-page.tsx';
import { PhotoHistorySection } from '../views/photo-history.tsx';

/** Search (`/`, `/search`) and profiles (`/users/:localid`), for every signed-in account. */
export function pageRoutes(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const options = cached(30_000, () => ctx.users.filterOptions());

  const search = (c: { req: { query(name: string): string | undefined } }) => {
    const query: SearchQuery = {
      q: c.req.query('q')?.slice(0, 200) ?? '',
      role: oneOf(c.req.query('role'), ['student', 'staff']),
      building: c.req.query('building') || undefined,
      grade: c.req.query('grade') || undefined,
    };
    const empty = !query.q?.trim() && !query.role && !query.building && !query.grade;
    return { query, result: empty ? undefined : ctx.users.search(query) };
  };

  const searchPage = (c: Context<WebEnv>) => {
    const { query, result } = search(c);
    if (c.req.query('fragment') !== undefined) return c.html(<SearchResults query={query} result={result} admin={c.get('user')!.role === 'admin'} />);
    return c.html(<SearchPage user={c.get('user')!} path={c.req.path} query={query} result={result} options={options()} />);
  };
  app.get('/', searchPage);
  app.get('/search', searchPage);

  app.get('/users/:localid', (c) => {
    const viewer = c.get('user')!;
    const person = ctx.users.get(c.req.param('localid'));
    ctx.audit.record({ actor: viewer.username, action: 'profile.view', local_id: person.local_id, ip: c.get('ip') });
    const admin = viewer.role === 'admin';
    return c.html(
      <ProfilePage
        viewer={viewer}
        path={c.req.path}
        person={person}
        devicesSection={<UserDevicesSection devices={ctx.devices} localId={person.local_id} />}
        adminPhotoSection={admin ? <PhotoHistorySection viewer={viewer} localId={person.local_id} versions={ctx.photos.history(person.local_id)} notShown={ctx.photos.uploadsNotShown(person.local_id)} /> : undefined}
        views={admin ? ctx.audit.list({ localId: person.local_id, limit: 10 }) : undefined}
        notice={c.req.query('restored') !== undefined ? 'The photo was restored.' : undefined}
      />,
    );
  });

  app.post('/users/:localid/photo/restore', requireRole('admin'), async (c) => {
    const viewer = c.get('user')!;
    const person = ctx.users.get(c.req.param('localid'));
    const form = await c.req.parseBody();
    const versionId = Number(form.version_id);
    if (!Number.isInteger(versionId) || versionId <= 0) throw new AppError('invalid', 'Choose a version to restore.');
    ctx.photos.restore(person.local_id, versionId, viewer.username);
    c.set('audit', { localId: person.local_id, detail: `photo version ${versionId} restored` });
    return c.redirect(`/users/${encodeURIComponent(person.local_id)}?restored`, 303);
  });

  return app;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.includes(value as T) ? (value as T) : undefined;
}

/** The building and grade lists change only with an import; re-reading them per keystroke would be waste. */
function cached(ttlMs: number, load: () => FilterOptions): () => FilterOptions {
  let value: FilterOptions | undefined;
  let at = 0;
  return () => {
    const now = Date.now();
    if (!value || now - at > ttlMs) {
      value = load();
      at = now;
    }
    return value;
  };
}
