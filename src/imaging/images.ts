import type { OutputInfo } from 'sharp';

/**
 * The only module that imports sharp. It returns plain types (numbers, strings, Buffers), so
 * the domain never holds a sharp object and packaging the single executable touches one place.
 * Every call runs in libuv's thread pool: the event loop only schedules the work.
 */

export interface ImageInfo {
  /** sharp's name of the format it found in the bytes: 'jpeg', 'png', 'gif', … */
  format: string;
  /** Size as displayed, i.e. with the EXIF orientation applied. */
  width: number;
  height: number;
  /** Frames (animated GIF); 1 for a still image. */
  pages: number;
}

export interface RenderedImage {
  /** Size of the largest rendering (after orientation and the first-frame pick). */
  width: number;
  height: number;
  /** One JPEG per requested long-side size, in the same order. */
  outputs: Buffer[];
}

/** Why sharp could not decode an image; `truncated` when the data stops early. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly truncated: boolean,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Process-wide settings, applied by the composition root (never at import time).
 * NB: sharp's operation cache would keep recently decoded photos in memory for no benefit:
 * every upload is a new image.
 */
export function configureImaging(options: { threadsPerImage: number }): void {
  threadsPerImage = options.threadsPerImage;
  if (settled) settled.concurrency(threadsPerImage);
}

type Sharp = typeof import('sharp').default;
let threadsPerImage: number | undefined;
let loading: Promise<Sharp> | undefined;
let settled: Sharp | undefined;

/**
 * sharp, loaded at the first image rather than at start: with libvips it is about a quarter of
 * an idle appliance's memory (~20 MiB) and a third of its start-up. A dynamic import, so the
 * executable's bundle (and Deno) keeps it in the same module graph, only evaluated later.
 */
function load(): Promise<Sharp> {
  loading ??= import('sharp').then((m) => {
    const sharp = m.default;
    sharp.cache(false);
    if (threadsPerImage !== undefined) sharp.concurrency(threadsPerImage);
    settled = sharp;
    return sharp;
  });
  return loading;
}

/**
 * Reads the header only (fast, no pixel decode). Null when sharp does not recognise the bytes.
 * Larger than `maxPixels` is reported through the returned size, not refused here.
 */
export async function readImageInfo(input: Buffer): Promise<ImageInfo | null> {
  // NB: outside the try: a library that cannot load is an error of the appliance, not of the image.
  const sharp = await load();
  try {
    const m = await sharp(input, { limitInputPixels: false }).metadata();
    if (!m.format || !m.width || !m.height) return null;
    const rotated = m.orientation !== undefined && m.orientation >= 5;
    const height = m.pageHeight ?? m.height;
    return {
      format: m.format,
      width: rotated ? height : m.width,
      height: rotated ? m.width : height,
      pages: m.pages ?? 1,
    };
  } catch {
    return null;
  }
}

const BENIGN_WARNING = /extraneous bytes before marker/i;
const TRUNCATED = /premature end of (jpeg|input|file)|unexpected end|truncated|end of stream|short read/i;

// NB: Huffman optimisation would cost about a third of the encoding CPU for files some 8 % smaller;
// these are small display images on a LAN, and CPU is what a batch of uploads runs short of.
const JPEG_OPTIONS = { quality: 82, mozjpeg: false, optimiseCoding: false, chromaSubsampling: '4:2:0' } as const;

/**
 * Decodes the first frame fully (a truncated or corrupt file fails here), applies the EXIF
 * orientation, flattens transparency onto white, converts to sRGB and writes one metadata-free
 * JPEG per long-side size in `sizes`. Decodes once: smaller sizes come from the largest.
 */
export async function renderDisplayImages(input: Buffer, sizes: readonly number[], maxPixels: number): Promise<RenderedImage> {
  const largest = Math.max(...sizes);
  const sharp = await load();
  const decode = (failOn: 'warning' | 'truncated') =>
    sharp(input, { limitInputPixels: maxPixels, failOn, pages: 1 })
      .autoOrient()
      .resize(largest, largest, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  let base: { data: Buffer; info: OutputInfo };
  try {
    // libjpeg reports damaged scan data only as a warning; so warnings fail, except the one
    // that many cameras and scanners cause without harm.
    base = await decode('warning').catch((err: Error) => {
      if (BENIGN_WARNING.test(err.message)) return decode('truncated');
      throw err;
    });
  } catch (err) {
    const message = (err as Error).message;
    throw new ImageDecodeError(!/corrupt/i.test(message) && TRUNCATED.test(message), message);
  }
  const { width, height, channels } = base.info;
  const raw = { raw: { width, height, channels } };
  // NB: one after the other, not at once: each sharp call holds a libuv pool thread (4 by default)
  // for its whole run, and the file writes of every upload wait for one of those threads too.
  const outputs: Buffer[] = [];
  for (const size of sizes) {
    const pipeline = sharp(base.data, raw);
    if (size < largest) pipeline.resize(size, size, { fit: 'inside', withoutEnlargement: true });
    outputs.push(await pipeline.jpeg(JPEG_OPTIONS).toBuffer());
  }
  return { width, height, outputs };
}

/** Renders an SVG (the placeholder figure) to one JPEG per long-side size. */
export async function renderSvg(svg: string, sizes: readonly number[]): Promise<Buffer[]> {
  const sharp = await load();
  return Promise.all(
    sizes.map((size) =>
      sharp(Buffer.from(svg))
        .resize(size, size, { fit: 'inside' })
        .flatten({ background: '#ffffff' })
        .jpeg(JPEG_OPTIONS)
        .toBuffer(),
    ),
  );
}
