import type { Logger } from '../shared/logger.ts';
import { isAppError } from '../shared/errors.ts';
import { Status, type StatusCode } from './protocol/constants.ts';
import { MalformedPacket, statusPacket } from './protocol/packet.ts';

/** A protocol-level answer that is not a domain error (OP_UNSUPPORTED, EOF). */
export class SftpStatus extends Error {
  constructor(
    readonly code: StatusCode,
    message: string,
  ) {
    super(message);
  }
}

const logged = new WeakSet<object>();

/** For refusals already logged in more detail (one line per refused file). */
export function markLogged(err: unknown): void {
  if (typeof err === 'object' && err) logged.add(err);
}

/**
 * The one place errors become SFTP statuses, and where every refusal is logged with its
 * reason (a missing file only at debug: clients probe with STAT before every upload). AppError messages go to the client as they are
 * (they are written for the person at the other end); anything unexpected is logged and the
 * client hears a plain FAILURE.
 */
export function toStatus(err: unknown, log: Logger, op: string): { code: StatusCode; message: string } {
  if (err instanceof SftpStatus) {
    log.debug({ op, reason: err.message }, 'request not supported');
    return { code: err.code, message: err.message };
  }
  if (err instanceof MalformedPacket) {
    log.warn({ op, reason: err.message }, 'malformed request');
    return { code: Status.BAD_MESSAGE, message: err.message };
  }
  if (isAppError(err)) {
    if (!logged.has(err)) log[err.code === 'not_found' ? 'debug' : 'warn']({ op, reason: err.message }, 'request refused');
    switch (err.code) {
      case 'not_found':
        return { code: Status.NO_SUCH_FILE, message: err.message };
      case 'forbidden':
      case 'unauthorized':
        return { code: Status.PERMISSION_DENIED, message: err.message };
      default:
        return { code: Status.FAILURE, message: err.message };
    }
  }
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  // SQLITE_FULL: the database could not grow (found by the full-disk test: it said "internal error").
  if (errno === 'ENOSPC' || errno === 'EDQUOT' || errno === 'SQLITE_FULL') {
    log.error({ op, err }, 'disk full');
    return { code: Status.FAILURE, message: 'the appliance is out of disk space; nothing was stored (tell the district IT admin)' };
  }
  log.error({ op, err }, 'unexpected error in SFTP request');
  return { code: Status.FAILURE, message: 'internal error on the appliance; it was logged for the admin' };
}

export function statusReply(id: number, err: unknown, log: Logger, op: string): Buffer {
  const { code, message } = toStatus(err, log, op);
  return statusPacket(id, code, message);
}
