import { Hono } from 'hono';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import type { WebEnv } from '../env.ts';
import { StaffPage } from '../views/staff-page.tsx';

/** `/admin/staff`: who has signed in, and the switch that blocks one person on this appliance. */
export function adminStaffRoutes(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const log = createLogger('web').child({ area: 'staff' });

  app.get('/', (c) => {
    const done = c.req.query('done');
    return c.html(<StaffPage user={c.get('user')!} path={c.req.path} staff={ctx.auth.staff.list()} notice={done ? `${done}.` : undefined} />);
  });

  for (const action of ['block', 'unblock'] as const) {
    app.post(`/:id/${action}`, (c) => {
      const user = c.get('user')!;
      // NB: integration tokens are staff readers and never reach /admin; this narrows the type.
      if (user.method === 'token') throw new AppError('forbidden', 'An integration token cannot block anyone.');
      const id = Number(c.req.param('id'));
      if (!Number.isInteger(id) || id <= 0) throw new AppError('not_found', 'No one with that id has signed in here.');
      const { row, endedSessions } = ctx.auth.staff.setBlocked(id, action === 'block', { identity: user.username, method: user.method });
      c.set('audit', { action: `staff.${action}`, detail: `${row.method} ${row.identity}${endedSessions ? `; ${endedSessions} session(s) ended` : ''}` });
      log.info({ user: user.username, target: row.identity, method: row.method, endedSessions }, `${action}ed a person`);
      return c.redirect(`/admin/staff?done=${encodeURIComponent(`${action === 'block' ? 'Blocked' : 'Unblocked'} ${row.identity}`)}`, 303);
    });
  }

  return app;
}
