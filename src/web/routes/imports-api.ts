import { Hono } from 'hono';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { csvDownload } from './csv-download.ts';

/**
 * `/api/imports`: the roster import history as JSON (newest first, each with its first error
 * lines), one import with all its errors, the error report as CSV, the people it changes
 * (`/changes?kind=&page=`, `/changes.csv`), and the decision on a held
 * import. Admin-only: the guard in front of /api/imports is web/app.ts's.
 */
export function importsApi(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const { roster } = ctx;

  app.get('/', (c) => {
    const limit = optionalInt(c.req.query('limit'), 'limit');
    const before = optionalInt(c.req.query('before'), 'before');
    return c.json(roster.listImports({ limit, before }));
  });

  app.get('/:id{[0-9]+}', (c) => c.json(roster.getImport(Number(c.req.param('id')))));

  app.get('/:id{[0-9]+}/errors.csv', (c) => {
    const report = roster.errorReport(Number(c.req.param('id')));
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${report.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    return c.body(report.csv);
  });

  app.get('/:id{[0-9]+}/changes', (c) =>
    c.json(roster.changes(Number(c.req.param('id')), { kind: c.req.query('kind'), page: optionalInt(c.req.query('page'), 'page') })),
  );

  app.get('/:id{[0-9]+}/changes.csv', (c) => csvDownload(c, roster.changesReport(Number(c.req.param('id')), c.req.query('kind'))));

  for (const action of ['approve', 'discard'] as const) {
    app.post(`/:id{[0-9]+}/${action}`, async (c) => {
      const id = Number(c.req.param('id'));
      const result = action === 'approve' ? await roster.approve(id, actor(c.get('user'))) : await roster.discard(id, actor(c.get('user')));
      c.set('audit', { detail: `import ${id} ${action === 'approve' ? 'approved' : 'discarded'} (${result.file}): ${result.status}` });
      return c.json(result);
    });
  }

  return app;
}

function actor(user: { username: string } | undefined): string {
  return user ? `web:${user.username}` : 'web';
}

function optionalInt(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new AppError('invalid', `${name} must be a positive whole number`);
  return n;
}
