import { Hono } from 'hono';
import { getAsset } from '../assets/registry.ts';

/** The stylesheet and script. Versioned URLs (`?v=<hash>`) are cached for a year. */
export function assetRoutes(): Hono {
  const app = new Hono();
  app.get('/:name', (c) => {
    const asset = getAsset(c.req.param('name'));
    if (!asset) return c.notFound();
    const etag = `"${asset.hash}"`;
    const versioned = c.req.query('v') === asset.hash;
    c.header('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    c.header('ETag', etag);
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    c.header('Content-Type', asset.type);
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
  return app;
}
