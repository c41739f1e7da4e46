import type { DisplayImage, PhotoService } from '../domain/photos/service.ts';

/**
 * Keeps recently served display images in memory, keyed by their ETag. The ETag names the
 * content (source SHA-256, size, render revision), so a cached entry can never be stale: a new
 * photo has a new ETag. Without it every thumbnail costs four file-system round trips through
 * libuv's thread pool (open, stat, read, close), which is most of a request's time.
 * Bounded by bytes, least recently used first out.
 */
export function withDisplayCache(photos: PhotoService, maxBytes = 64 * 1024 * 1024): PhotoService {
  const entries = new Map<string, Uint8Array<ArrayBuffer>>();
  let bytes = 0;

  const remember = (etag: string, body: Uint8Array<ArrayBuffer>): void => {
    if (body.length > maxBytes / 16) return;
    entries.set(etag, body);
    bytes += body.length;
    for (const [key, value] of entries) {
      if (bytes <= maxBytes) break;
      entries.delete(key);
      bytes -= value.length;
    }
  };

  return {
    ...photos,
    display(localId: string, size: Parameters<PhotoService['display']>[1], versionId?: number, reader?: Parameters<PhotoService['display']>[3]): DisplayImage {
      const image = photos.display(localId, size, versionId, reader);
      return {
        ...image,
        async read() {
          const hit = entries.get(image.etag);
          if (hit) {
            // Move to the back of the Map: the front is evicted first.
            entries.delete(image.etag);
            entries.set(image.etag, hit);
            return hit;
          }
          const body = await image.read();
          remember(image.etag, body);
          return body;
        },
      };
    },
  };
}
