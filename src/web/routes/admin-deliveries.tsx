import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Hono } from 'hono';
import type { DeliveryService } from '../../domain/deliveries/deliveries.ts';
import { AppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { imageResponse } from '../middleware/security-headers.ts';
import { DeliveriesPage, DeliveryPage } from '../views/deliveries-page.tsx';

const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.gif': 'image/gif' };

/** `/admin/deliveries`: vendor deliveries, their report, and the admin's pick for waiting lines. */
export function adminDeliveryRoutes(deliveries: DeliveryService): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  app.get('/', (c) => c.html(<DeliveriesPage user={c.get('user')!} path={c.req.path} deliveries={deliveries.list(200)} />));
  app.get('/:id{[0-9]+}', (c) => {
    const done = c.req.query('done');
    return c.html(<DeliveryPage user={c.get('user')!} path={c.req.path} detail={deliveries.detail(Number(c.req.param('id')))} notice={done} />);
  });
  app.get('/:id{[0-9]+}/report.csv', (c) => {
    const report = deliveries.reportCsv(Number(c.req.param('id')));
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${report.fileName}"`);
    return c.body(report.csv);
  });
  // NB: a waiting image is a student's photo not yet anyone's: admins only (this sub-app is under /admin).
  app.get('/:id{[0-9]+}/items/:n{[0-9]+}/image', async (c) => {
    const path = deliveries.keptImage(Number(c.req.param('id')), Number(c.req.param('n')));
    return imageResponse(new Uint8Array(await readFile(path)), 200, { 'Content-Type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', 'Cache-Control': 'private, no-store' });
  });
  app.post('/:id{[0-9]+}/items/:n{[0-9]+}/assign', async (c) => {
    const form = await c.req.parseBody();
    const localId = (String(form.other_local_id ?? '').trim() || String(form.local_id ?? '').trim());
    if (!localId) throw new AppError('invalid', 'Pick one of the people listed, or type a Local ID.');
    const message = await deliveries.assign(Number(c.req.param('id')), Number(c.req.param('n')), localId, c.get('user')!.username);
    c.set('audit', 'recorded');
    return c.redirect(`${backTo(form.back, c.req.param('id'))}?done=${encodeURIComponent(message)}`, 303);
  });
  app.post('/:id{[0-9]+}/items/:n{[0-9]+}/discard', async (c) => {
    const form = await c.req.parseBody();
    await deliveries.discard(Number(c.req.param('id')), Number(c.req.param('n')), c.get('user')!.username);
    c.set('audit', 'recorded');
    return c.redirect(`${backTo(form.back, c.req.param('id'))}?done=${encodeURIComponent('Discarded: the image was not stored.')}`, 303);
  });
  return app;
}

/** Back to the page the form was on: this delivery's page or the photos page, never elsewhere. */
function backTo(value: unknown, id: string): string {
  return value === '/admin/photos' ? '/admin/photos' : `/admin/deliveries/${id}`;
}
