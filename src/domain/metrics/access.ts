import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MetricsConfig } from '../../config/schema.ts';
import { createAddressList } from '../../shared/address-list.ts';
import { AppError, errorMessage } from '../../shared/errors.ts';

/** Who may read /metrics: a source in `metrics.allow`, or anyone with the bearer token. */
export interface MetricsAccess {
  /**
   * `ip` as the socket saw it; `authorization` the request's header, if any; `proxied` when the
   * request says a proxy forwarded it (then `ip` is the proxy's, and only the token counts).
   */
  allows(ip: string, authorization: string | undefined, proxied?: boolean): boolean;
}

/**
 * Checks its options once: the token file is read here, at start, so a missing or empty file
 * stops the start with its path instead of locking Prometheus out later.
 * Throws AppError('invalid') for a token file that cannot be used.
 */
export function createMetricsAccess(config: MetricsConfig): MetricsAccess {
  const allow = createAddressList(config.allow);
  const token = config.token_file ? readToken(config.token_file) : config.token;
  // NB: compared as digests, so the comparison takes the same time whatever the guess.
  const expected = token ? digest(token) : undefined;
  return {
    allows(ip, authorization, proxied = false) {
      if (!proxied && allow.has(ip)) return true;
      if (!expected || !authorization?.startsWith('Bearer ')) return false;
      return timingSafeEqual(digest(authorization.slice(7).trim()), expected);
    },
  };
}

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new AppError('invalid', `metrics.token_file ${file} cannot be read: ${errorMessage(err)}`);
  }
  if (!text) throw new AppError('invalid', `metrics.token_file ${file} is empty: put the token Prometheus sends in it`);
  return text;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
