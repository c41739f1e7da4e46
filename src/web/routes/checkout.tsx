import { Hono, type Context } from 'hono';
import type { AppContext } from '../../context.ts';
import { isAppError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import type { WebEnv } from '../env.ts';
import { httpStatus } from '../http-status.ts';
import { actorOf } from './actor.ts';
import { CheckoutPage, type CheckoutMode, type CheckoutStep, type Done } from '../views/checkout/checkout-page.tsx';

/**
 * Rapid check-out (`GET /checkout`) and check-in (`?mode=in`). Each GET validates what was
 * scanned so far and renders the next step; only the confirming POST writes. Refusals are shown
 * inline with the domain's message, and the domain has recorded nothing.
 */
export function checkoutRoutes(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const devices = ctx.devices;
  const log = createLogger('checkout');

  const page = (c: Context<WebEnv>, mode: CheckoutMode, state: CheckoutStep, status: number) =>
    c.html(<CheckoutPage user={c.get('user')!} mode={mode} state={state} />, status as 200);

  app.get('/', (c) => {
    const mode: CheckoutMode = c.req.query('mode') === 'in' ? 'in' : 'out';
    const deviceScan = c.req.query('device');
    const userScan = c.req.query('user');
    if (deviceScan === undefined) return page(c, mode, { step: 'device', done: done(c.req.query('done')) }, 200);

    let device;
    try {
      if (mode === 'in') {
        const { device: d, holder } = devices.checkInDevice(deviceScan);
        return page(c, mode, { step: 'confirm', device: d, person: holder, localId: d.local_id! }, 200);
      }
      device = devices.checkOutDevice(deviceScan);
    } catch (err) {
      if (!isAppError(err)) throw err;
      const checkIn = err.details?.reason === 'checked_out' ? String(err.details.asset_tag) : undefined;
      return page(c, mode, { step: 'device', error: err.message, checkIn }, httpStatus(err));
    }
    if (userScan === undefined) return page(c, mode, { step: 'user', device }, 200);
    try {
      const person = devices.checkOutPerson(userScan);
      return page(c, mode, { step: 'confirm', device, person, localId: person.local_id, alsoHolds: devices.heldBy(person.local_id) }, 200);
    } catch (err) {
      if (!isAppError(err)) throw err;
      const suggestions = (err.details?.suggestions ?? []) as { local_id: string; why: string }[];
      return page(c, mode, { step: 'user', device, error: err.message, suggestions }, httpStatus(err));
    }
  });

  app.post('/', async (c) => {
    const form = await c.req.parseBody();
    const mode: CheckoutMode = form.mode === 'in' ? 'in' : 'out';
    const assetTag = String(form.asset_tag ?? '');
    const localId = String(form.local_id ?? '');
    const actor = actorOf(c.get('user')!);
    try {
      if (mode === 'out') devices.checkOut(assetTag, localId, actor);
      else devices.checkIn(assetTag, actor, localId || undefined);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return page(c, mode, { step: 'device', error: err.message }, httpStatus(err));
    }
    log.info({ user: actor.username, asset_tag: assetTag, local_id: localId }, mode === 'out' ? 'device checked out' : 'device checked in');
    c.set('audit', { localId, detail: `device ${assetTag} checked ${mode}` });
    // NB: redirect after POST, so a reload never repeats the transaction.
    return c.redirect(`/checkout?mode=${mode}&done=${encodeURIComponent(assetTag)}`, 303);
  });

  /** The transaction just made, read back from the database rather than from the address. */
  function done(assetTag: string | undefined): Done | undefined {
    if (!assetTag) return undefined;
    try {
      const profile = devices.profile(assetTag);
      const loan = profile.loans[0];
      if (!loan) return undefined;
      return { device: profile.device, localId: loan.local_id, person: loan.person };
    } catch {
      return undefined;
    }
  }

  return app;
}
