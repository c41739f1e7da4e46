import type { DisplayImage, PhotoService } from '../domain/photos/service.ts';

/** The display-image cache a PhotoService is served through (web/app.ts and the fast path share one). */
export interface DisplayCache {
  /** The service with `display(...).read()` answered from memory when it can. */
  photos: PhotoService;
  /** The bytes for an ETag if they are in memory (no promise: the fast path's hot case). */
  peek(etag: string): Uint8Array<ArrayBuffer> | undefined;
  /** The image's bytes from memory, else read and kept. */
  read(image: DisplayImage): Promise<Uint8Array<ArrayBuffer>>;
}

const caches = new WeakMap<PhotoService, DisplayCache>();

/**
 * Keeps recently served display images in memory, keyed by their ETag. The ETag names the
 * content (source SHA-256, size, render revision), so a cached entry can never be stale: a new
 * photo has a new ETag, and a deleted or withheld one is never looked up (the ETag is asked of
 * the database on every request first). Without it every thumbnail costs four file-system round
 * trips through libuv's thread pool (open, stat, read, close), which is most of a request's time.
 * Bounded by bytes, least recently used first out. One per PhotoService.
 */
export function displayCacheOf(photos: PhotoService, maxBytes = 64 * 1024 * 1024): DisplayCache {
  const existing = caches.get(photos);
  if (existing) return existing;
  const entries = new Map<string, Uint8Array<ArrayBuffer>>();
  let bytes = 0;

  // Reads from disk under way, by ETag: a burst of requests for one image not yet in memory (a
  // page of thumbnails opened by several desks at once, or one client's pipelined requests)
  // makes one read, not one each, and remembers the bytes once.
  const reading = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

  const remember = (etag: string, body: Uint8Array<ArrayBuffer>): void => {
    // NB: counted once per ETag: counting a second copy made `bytes` exceed what the Map held,
    // for good, until every image was evicted as soon as it was kept.
    if (body.length > maxBytes / 16 || entries.has(etag)) return;
    entries.set(etag, body);
    bytes += body.length;
    for (const [key, value] of entries) {
      if (bytes <= maxBytes) break;
      entries.delete(key);
      bytes -= value.length;
    }
  };

  const peek = (etag: string): Uint8Array<ArrayBuffer> | undefined => {
    const hit = entries.get(etag);
    if (hit) {
      // Move to the back of the Map: the front is evicted first.
      entries.delete(etag);
      entries.set(etag, hit);
    }
    return hit;
  };

  const read = async (image: DisplayImage): Promise<Uint8Array<ArrayBuffer>> => {
    const hit = peek(image.etag);
    if (hit) return hit;
    let pending = reading.get(image.etag);
    if (!pending) {
      pending = image.read().then(
        (body) => {
          reading.delete(image.etag);
          remember(image.etag, body);
          return body;
        },
        (err: unknown) => {
          reading.delete(image.etag);
          throw err;
        },
      );
      reading.set(image.etag, pending);
    }
    return pending;
  };

  const cache: DisplayCache = {
    peek,
    read,
    photos: {
      ...photos,
      display(localId: string, size: Parameters<PhotoService['display']>[1], versionId?: number, reader?: Parameters<PhotoService['display']>[3]): DisplayImage {
        const image = photos.display(localId, size, versionId, reader);
        return { ...image, read: () => read(image) };
      },
    },
  };
  caches.set(photos, cache);
  return cache;
}

/** The PhotoService with display images kept in memory (see displayCacheOf). */
export function withDisplayCache(photos: PhotoService): PhotoService {
  return displayCacheOf(photos).photos;
}
