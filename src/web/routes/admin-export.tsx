import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { parseExportRequest, type PhotoExports, type RawExportRequest } from '../../domain/exports/photo-export.ts';
import type { FilterOptions } from '../../domain/users/users.ts';
import { isAppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { ExportPage } from '../views/export-page.tsx';

const FIELDS = ['size', 'building', 'grade', 'role', 'since'] as const;

/** `/admin/export`: the form and its count; `/admin/export/photos.zip`: the zip, streamed as it is made. */
export function adminExportRoutes(exports: PhotoExports, options: () => FilterOptions): Hono<WebEnv> {
  const rawOf = (q: (name: string) => string | undefined): RawExportRequest => Object.fromEntries(FIELDS.map((f) => [f, q(f)?.slice(0, 200)]));
  return new Hono<WebEnv>()
    .get('/', (c) => {
      const raw = rawOf((n) => c.req.query(n));
      const asked = FIELDS.some((f) => c.req.query(f) !== undefined);
      let plan;
      let error;
      try {
        if (asked) plan = exports.plan(parseExportRequest(raw));
      } catch (err) {
        if (!isAppError(err, 'invalid')) throw err;
        error = err.message;
      }
      return c.html(<ExportPage user={c.get('user')!} path={c.req.path} options={options()} raw={raw} plan={plan} error={error} />, error ? 400 : 200);
    })
    .get('/photos.zip', async (c) => {
      const plan = await exports.ready(exports.plan(parseExportRequest(rawOf((n) => c.req.query(n)))));
      const stream = exports.zipStream(plan, { actor: c.get('user')!.username, to: 'a web download', ip: c.get('ip') });
      c.header('Content-Type', 'application/zip');
      c.header('Content-Disposition', `attachment; filename="idphotos-${new Date().toISOString().slice(0, 10)}.zip"`);
      c.header('Cache-Control', 'no-store');
      return c.body(Readable.toWeb(stream) as ReadableStream);
    });
}
