import { Hono, type Context } from 'hono';
import type { AppContext } from '../../context.ts';
import type { DeviceStatus } from '../../domain/devices/devices.ts';
import { DEVICE_STATUSES } from '../../domain/devices/rules.ts';
import { isAppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { httpStatus } from '../http-status.ts';
import { requireRole } from '../middleware/require-role.ts';
import { DeviceListPage, DeviceProfilePage, type DeviceFormValues } from '../views/checkout/device-pages.tsx';
import { actorOf } from './actor.ts';

/**
 * Devices: the list (`GET /devices`), the profile (`GET /devices/{asset_tag}`) for every
 * signed-in account, and add / edit for admins. A refused form comes back with its values and
 * the reason; nothing was saved.
 */
export function deviceRoutes(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const devices = ctx.devices;

  const listPage = (c: Context<WebEnv>, form?: { values: DeviceFormValues; error?: string }, status = 200) => {
    const q = (c.req.query('q') ?? '').slice(0, 100);
    const filter = statusOf(c.req.query('status'));
    return c.html(
      <DeviceListPage user={c.get('user')!} devices={devices.list({ q, status: filter })} q={q} status={filter} form={form} />,
      status as 200,
    );
  };

  app.get('/', (c) => listPage(c));

  app.post('/', requireRole('admin'), async (c) => {
    const values = formValues(await c.req.parseBody());
    try {
      const device = devices.create(values, actorOf(c.get('user')!));
      c.set('audit', { detail: `device ${device.asset_tag} added` });
      return c.redirect(`/devices/${encodeURIComponent(device.asset_tag)}?saved=added`, 303);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return listPage(c, { values, error: err.message }, httpStatus(err));
    }
  });

  app.get('/:asset_tag', (c) => {
    const saved = c.req.query('saved');
    return c.html(
      <DeviceProfilePage
        user={c.get('user')!}
        profile={devices.profile(c.req.param('asset_tag'))}
        notice={saved === 'added' ? 'The device was added.' : saved !== undefined ? 'The changes were saved.' : undefined}
      />,
    );
  });

  app.post('/:asset_tag', requireRole('admin'), async (c) => {
    const assetTag = c.req.param('asset_tag');
    const values = { ...formValues(await c.req.parseBody()), asset_tag: assetTag };
    try {
      devices.update(assetTag, values, actorOf(c.get('user')!));
      c.set('audit', { detail: `device ${assetTag} changed` });
      return c.redirect(`/devices/${encodeURIComponent(assetTag)}?saved`, 303);
    } catch (err) {
      if (!isAppError(err) || err.code === 'not_found') throw err;
      return c.html(
        <DeviceProfilePage user={c.get('user')!} profile={devices.profile(assetTag)} form={{ values, error: err.message }} />,
        httpStatus(err) as 200,
      );
    }
  });

  return app;
}

function statusOf(value: string | undefined): DeviceStatus | undefined {
  return DEVICE_STATUSES.includes(value as DeviceStatus) ? (value as DeviceStatus) : undefined;
}

function formValues(form: Record<string, unknown>): DeviceFormValues {
  const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
  return {
    asset_tag: text('asset_tag').trim(),
    serial_number: text('serial_number'),
    model: text('model'),
    building: text('building'),
    status: (statusOf(text('status')) ?? 'available'),
  };
}
