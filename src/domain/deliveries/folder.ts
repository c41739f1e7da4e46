import { AppError } from '../../shared/errors.ts';
import { wrapFolder, type IncomingFolder } from '../incoming/folder.ts';
import type { OutcomeRules } from '../reports/upload-reports.ts';
import type { DeliveryService } from './deliveries.ts';

/**
 * `/incoming/idphotos/` with vendor deliveries: `*.zip` goes to the delivery service (its own
 * size limit, listed with its size and mtime as sent so sync tools do not send it again, never
 * read back), every other name to the photo store as before.
 */
export function withDeliveries(photos: IncomingFolder, deliveries: DeliveryService, maxDeliveryBytes: number): IncomingFolder {
  const is = (name: string) => deliveries.isDelivery(name);
  return wrapFolder(photos, {
    // NB: also for a zip's transfer name (WinSCP `x.zip.filepart`, rclone `x.zip.XXXX.partial`), staged before the rename that commits it.
    maxBytesFor: (name) => (is(name) || /\.zip\./i.test(name) ? maxDeliveryBytes : photos.maxBytes),
    checkName: (name) => (is(name) ? undefined : photos.checkName(name)),
    list: () => [...photos.list(), ...deliveries.folderEntries()],
    stat: (name) => (is(name) ? deliveries.folderEntry(name) : photos.stat(name)),
    // NB: a delivery's zip is gone once applied; it is not read back (the photos are).
    contentPath: (name) => (is(name) ? undefined : photos.contentPath(name)),
    commit: (req) => (is(req.name) ? deliveries.receive(req) : photos.commit(req)),
    // NB: pass the version on: a deferred removal must remove only the version it saw (never a newer upload).
    remove(name, account, version) {
      if (!is(name)) return photos.remove(name, account, version);
      if (!deliveries.unlist(name)) throw new AppError('not_found', `there is no delivery named ${name}`);
    },
    setMtime(name, mtime) {
      if (!is(name)) return photos.setMtime(name, mtime);
      if (!deliveries.setMtime(name, mtime)) throw new AppError('not_found', `there is no delivery named ${name}`);
    },
  });
}

/**
 * The /reports/ outcome of an upload to /incoming/idphotos/: a delivery zip says what became of
 * it (its lines are on the delivery page), every other name is a photo as before.
 */
export function deliveryOutcomes(deliveries: DeliveryService, photos: OutcomeRules<boolean>): OutcomeRules<boolean> {
  return {
    before: (name) => (deliveries.isDelivery(name) ? false : photos.before(name)),
    after(name, had) {
      if (!deliveries.isDelivery(name)) return photos.after(name, had);
      const d = deliveries.list(20).find((x) => x.file_name === name);
      const reason = !d
        ? 'a picture-day delivery'
        : d.status === 'duplicate'
          ? `picture-day delivery ${d.id}: ${d.reason}`
          : `picture-day delivery ${d.id}: ${d.counts.matched} matched, ${d.counts.waiting} waiting for an admin, ${d.counts.refused} refused (every line on the delivery page)`;
      return { outcome: 'stored', reason };
    },
  };
}
