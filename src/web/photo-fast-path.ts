import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from 'node:http';
import type { AppContext } from '../context.ts';
import type { DisplaySize } from '../domain/photos/sizes.ts';
import { createLogger } from '../shared/logger.ts';
import { displayCacheOf } from './display-cache.ts';
import { httpStatus } from './http-status.ts';
import { peerAddress, sessionToken } from './middleware/session.ts';
import { matchesEtag } from './etag.ts';

/**
 * `GET /photos/{id}[?size=thumb|profile|full]` with a session cookie: the common case of the
 * busiest address, answered straight from `node:http` without building a WHATWG Request and
 * without the middleware chain: about a third less CPU per image (docs/BENCHMARKS.md).
 *
 * Every rule of the route still applies, through the same calls it makes: the session (idle
 * expiry, sign-out, a changed password, a blocked person, the directory re-check) through
 * `auth.authenticate`, the directory opt-out and deleted photos through `photos.display` (asked
 * of the database on every request: nothing here remembers who may see what), the audit of
 * views through `audit.record`, `Cache-Control: private, no-cache`, ETag and 304.
 *
 * Anything else goes to `next` (the Hono app), which then does everything itself: another
 * method or address shape, a `version`, a bearer token, no or an unknown session, a refusal or
 * an error from the domain. Nothing is written to the response before the fast path knows it
 * answers, so the full chain always starts from a clean response.
 */
export function photoFastPath(ctx: Pick<AppContext, 'auth' | 'photos' | 'audit' | 'metrics'>, next: RequestListener): RequestListener {
  const cache = displayCacheOf(ctx.photos);
  const log = createLogger('web');
  // Headers per ETag (status 200 and 304), built once: an ETag names its bytes and kind, so
  // the length too. NB: nothing per request that need not be: on this path the garbage
  // collector's share of the CPU was as large as the database's.
  const prebuilt = new Map<string, { ok: OutgoingHttpHeaders; notModified: OutgoingHttpHeaders }>();

  const answer = async (req: IncomingMessage, res: ServerResponse, localId: string, sizeParam: string | undefined, token: string): Promise<boolean> => {
    const start = performance.now();
    const user = await ctx.auth.authenticate(token);
    if (!user) return false;
    const size = (sizeParam ?? 'profile') as DisplaySize;
    const image = ctx.photos.display(localId, size, undefined, user.role === 'admin' ? ADMIN : STAFF);
    const notModified = matchesEtag(req.headers['if-none-match'], image.etag);
    // NB: read before the audit: a failed read is the full chain's to report, and is no view.
    const body = notModified ? undefined : (cache.peek(image.etag) ?? (await cache.read(image)));
    if (!image.placeholder) {
      try {
        ctx.audit.record({ actor: user.username, action: 'photo.view', local_id: localId, detail: sizeParam ?? '', ip: peerAddress(req.socket.remoteAddress) });
      } catch (err) {
        // Views fail closed when the audit log cannot be written (a full disk): as the route does.
        const status = httpStatus(err);
        log.error({ err, method: 'GET', path: req.url, user: user.username }, 'web request refused: the view could not be audited');
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
        res.end('The view could not be recorded in the audit log, so the photo is not shown. Tell the district IT admin.');
        return true;
      }
    }
    let headers = prebuilt.get(image.etag);
    if (!headers || (body && headers.ok['Content-Length'] !== body.length)) {
      if (prebuilt.size >= 10_000) prebuilt.clear();
      const common: OutgoingHttpHeaders = {
        ETag: image.etag,
        'Cache-Control': 'private, no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Resource-Policy': 'same-origin',
        ...(image.placeholder ? { 'X-Photo': image.withheld ? 'withheld' : 'placeholder' } : {}),
      };
      headers = { ok: { ...common, 'Content-Type': 'image/jpeg', ...(body ? { 'Content-Length': body.length } : {}) }, notModified: common };
      prebuilt.set(image.etag, headers);
    }
    if (body) {
      res.writeHead(200, headers.ok);
      res.end(body);
    } else {
      res.writeHead(304, headers.notModified);
      res.end();
    }
    ctx.metrics.observeRequest((performance.now() - start) / 1000);
    return true;
  };

  return function photoRequest(req, res) {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith('/photos/') || req.headers.authorization !== undefined) return next(req, res);
    // NB: the chain refuses (400) a request whose Host it cannot make a URL of (none, as HTTP/1.0
    // may send; `a b`; `x/photos/other?`): an odd Host is the chain's to judge, as any odd URL is.
    const host = req.headers.host;
    if (host === undefined || !PLAIN_HOST.test(host)) return next(req, res);
    const m = PHOTO_URL.exec(url);
    const token = m ? sessionToken(req.headers.cookie) : undefined;
    if (!m || !token) return next(req, res);
    answer(req, res, m[1]!, m[2], token).then(
      (answered) => answered || next(req, res),
      // The full chain asks again and translates the error (a 404, an unknown size, …) its own way.
      () => next(req, res),
    );
  };
}

/**
 * A Host as browsers send it: a lower-case name or IPv4 address, maybe a port (1 to 65535, as
 * a test's or an appliance's port may be anything). @hono/node-server takes such a Host as it
 * is, or parses it to the same name (buildUrl); anything else goes to the chain.
 */
export const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/;

/** Who reads (photos.display): made once, not per request. */
const STAFF = { seesWithheld: false };
const ADMIN = { seesWithheld: true };

/**
 * The one shape taken: a plain Local ID (no escapes, not a dot segment) and at most a known
 * size. Anything else (`version`, repeated or unknown parameters, a trailing slash) is the
 * router's to judge.
 */
const PHOTO_URL = /^\/photos\/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})(?:\?size=(thumb|profile|full))?$/;
