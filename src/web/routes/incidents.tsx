import { Hono, type Context } from 'hono';
import type { AppContext } from '../../context.ts';
import { AppError, isAppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { httpStatus } from '../http-status.ts';
import { requireRole } from '../middleware/require-role.ts';
import { IncidentListPage, IncidentPage, NewIncidentPage, type IncidentFilter, type IncidentFormValues } from '../views/checkout/incident-pages.tsx';
import { actorOf } from './actor.ts';
import { localDay, resolveTimezone } from '../../shared/time.ts';

/**
 * Incidents: `GET /incidents` (the list), `GET /incidents/{id}` (one, with the user's photo
 * and the device), create for every signed-in account, close for admins.
 */
export function incidentRoutes(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const incidents = ctx.incidents;

  app.get('/', (c) => {
    const q = c.req.query('status');
    const filter: IncidentFilter = q === 'closed' || q === 'all' ? q : 'open';
    return c.html(
      <IncidentListPage user={c.get('user')!} filter={filter} incidents={incidents.list({ status: filter === 'all' ? undefined : filter })} />,
    );
  });

  const newPage = (c: Context<WebEnv>, values: IncidentFormValues, error?: string, status = 200) =>
    c.html(<NewIncidentPage user={c.get('user')!} values={values} error={error} />, status as 200);

  const blankForm = (c: Context<WebEnv>) =>
    newPage(c, {
      device: c.req.query('device') ?? '',
      user: c.req.query('user') ?? '',
      type: '',
      description: '',
      // Today in the district, not in UTC: an evening incident in Chicago is not tomorrow's.
      occurred_on: localDay(new Date(), resolveTimezone(ctx.config.timezone)),
    });

  app.post('/', async (c) => {
    const form = await c.req.parseBody();
    const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const values: IncidentFormValues = {
      device: text('device'),
      user: text('user'),
      type: text('type'),
      description: text('description'),
      occurred_on: text('occurred_on'),
    };
    try {
      const incident = incidents.create(values, actorOf(c.get('user')!));
      c.set('audit', { detail: `incident ${incident.id} recorded (device ${values.device})` });
      return c.redirect(`/incidents/${incident.id}?created`, 303);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return newPage(c, values, err.message, httpStatus(err));
    }
  });

  // NB: `GET /incidents/new` is answered here: a fixed name beside a parameter at the same place
  // (`/new` and `/:id`) makes Hono's fast RegExpRouter refuse the whole viewer, and every
  // request, thumbnails included, would pay for the slower one (test/web/routing.test.ts).
  app.get('/:id', (c) => {
    if (c.req.param('id') === 'new') return blankForm(c);
    const id = incidentId(c.req.param('id'));
    const notice = c.req.query('created') !== undefined ? 'The incident was recorded.' : c.req.query('closed') !== undefined ? 'The incident was closed.' : undefined;
    return c.html(<IncidentPage user={c.get('user')!} detail={incidents.detail(id)} notice={notice} />);
  });

  app.post('/:id/close', requireRole('admin'), async (c) => {
    const id = incidentId(c.req.param('id'));
    const form = await c.req.parseBody();
    try {
      incidents.close(id, typeof form.resolution === 'string' ? form.resolution : '', actorOf(c.get('user')!));
      c.set('audit', { detail: `incident ${id} closed` });
      return c.redirect(`/incidents/${id}?closed`, 303);
    } catch (err) {
      if (!isAppError(err) || err.code === 'not_found') throw err;
      return c.html(<IncidentPage user={c.get('user')!} detail={incidents.detail(id)} error={err.message} />, httpStatus(err) as 200);
    }
  });

  return app;
}

function incidentId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new AppError('not_found', `There is no incident ${raw}.`);
  return Number(raw);
}
