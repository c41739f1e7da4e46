import { Hono } from 'hono';
import type { RosterService } from '../../domain/roster/service.ts';
import type { WebEnv } from '../env.ts';
import { AppError } from '../../shared/errors.ts';
import { csvDownload } from './csv-download.ts';
import { ImportDetailPage, ImportsPage } from '../views/imports-page.tsx';

/** `/admin/imports`: history, held imports with approve and discard, errors by line, CSV report, who changed. */
export function adminImportRoutes(roster: RosterService): Hono<WebEnv> {
  const app = new Hono<WebEnv>();

  app.get('/', (c) => c.html(<ImportsPage user={c.get('user')!} path={c.req.path} imports={roster.listImports({ limit: 100 })} />));

  app.get('/:id{[0-9]+}', (c) => {
    const imp = roster.getImport(Number(c.req.param('id')));
    const people = roster.changes(imp.id, { kind: c.req.query('kind'), page: pageOf(c.req.query('page')) });
    const done = c.req.query('done');
    const notice = done === 'approve' ? `Approved by ${imp.decided_by || 'an admin'}: the import is now ${imp.status}.` : done === 'discard' ? 'Discarded: nothing was changed.' : undefined;
    return c.html(<ImportDetailPage user={c.get('user')!} path={c.req.path} imp={imp} people={people} notice={notice} />);
  });

  app.get('/:id{[0-9]+}/errors.csv', (c) => {
    const report = roster.errorReport(Number(c.req.param('id')));
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${report.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    return c.body(report.csv);
  });

  app.get('/:id{[0-9]+}/changes.csv', (c) => csvDownload(c, roster.changesReport(Number(c.req.param('id')), c.req.query('kind'))));

  for (const action of ['approve', 'discard'] as const) {
    app.post(`/:id{[0-9]+}/${action}`, async (c) => {
      const user = c.get('user')!;
      const id = Number(c.req.param('id'));
      const result = action === 'approve' ? await roster.approve(id, user.username) : await roster.discard(id, user.username);
      c.set('audit', { detail: `import ${id} ${action === 'approve' ? 'approved' : 'discarded'} (${result.file}): ${result.status}` });
      return c.redirect(`/admin/imports/${id}?done=${action}`, 303);
    });
  }

  return app;
}

function pageOf(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new AppError('invalid', 'page must be a positive whole number');
  return n;
}
