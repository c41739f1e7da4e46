// NB: a file of its own so that the photo fast path (web/photo-fast-path.ts) loads no Hono at start.

/** If-None-Match names this ETag (weak or strong) or `*`. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}
