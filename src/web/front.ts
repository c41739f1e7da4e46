import type { RequestListener } from 'node:http';
import type { AppContext } from '../context.ts';
import { healthFastPath } from './health-fast-path.ts';
import { photoFastPath } from './photo-fast-path.ts';

/**
 * What sees each request before the app (web/server.ts): health probes, and signed-in display
 * images, answered from `node:http`; everything else, and everything unusual, goes to the app.
 */
export function webFront(ctx: AppContext): (next: RequestListener) => RequestListener {
  // NB: display images first: the busiest address sees no other test before its own.
  return (next) => photoFastPath(ctx, healthFastPath(ctx.metrics.observeRequest, next));
}
