import { describe, expect, it } from 'vitest';
import { checkComplete, sniffFormat } from '../../src/domain/photos/formats.ts';
import { parsePhotoName } from '../../src/domain/photos/names.ts';
import { nearMissNames } from '../../src/domain/photos/hints.ts';

describe('photo names', () => {
  it.each([
    ['S12345.jpg', 'S12345'],
    ['S12345.JPG', 'S12345'],
    ['T0042.png', 'T0042'],
    ['0012345.Jpeg', '0012345'],
    ['s12345.gif', 's12345'],
    [' S1 .jpg', ' S1 '],
    ['S123.jpg.jpg', 'S123.jpg'],
  ])('%s is the photo of Local ID "%s", exactly', (name, localId) => {
    expect(parsePhotoName(name).localId).toBe(localId);
  });

  it.each([
    ['IMG_0001.HEIC', /^"IMG_0001.HEIC": HEIC is not supported: export as JPEG, and name photos \{LocalID\}\.jpg/],
    ['S1.webp', /WebP is not supported/],
    ['S1.txt', /"S1.txt" is not a photo name: name photos \{LocalID\}\.jpg, \.jpeg, \.png or \.gif \(for example S12345\.jpg\)/],
    ['S1', /is not a photo name/],
    ['.jpg', /has no Local ID/],
    ['a/b.jpg', /folders are not allowed/],
    ['S1\u0000.jpg', /control characters/],
    [`${'x'.repeat(260)}.jpg`, /longer than 255 bytes/],
  ])('refuses %j, saying what is allowed', (name, reason) => {
    expect(() => parsePhotoName(name)).toThrow(reason);
  });
});

describe('formats from the bytes', () => {
  const bytes = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  it.each([
    ['JPEG', bytes([0xff, 0xd8, 0xff, 0xe0]), 'jpeg'],
    ['PNG', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'png'],
    ['GIF89a', bytes('GIF89a'), 'gif'],
    ['GIF87a', bytes('GIF87a'), 'gif'],
  ])('%s is accepted', (_label, b, format) => {
    expect(sniffFormat(b)).toEqual({ ok: true, format });
  });

  it.each([
    ['HEIC', bytes([0, 0, 0, 0x18], 'ftypheic'), /^HEIC is not supported: export it as JPEG/],
    ['HEIF (mif1)', bytes([0, 0, 0, 0x18], 'ftypmif1'), /^HEIC is not supported/],
    ['AVIF', bytes([0, 0, 0, 0x18], 'ftypavif'), /^AVIF is not supported/],
    ['MP4 video', bytes([0, 0, 0, 0x18], 'ftypisom'), /video/],
    ['TIFF', bytes([0x49, 0x49, 0x2a, 0x00]), /^TIFF/],
    ['BMP', bytes('BM', [0, 0, 0, 0, 0, 0]), /^BMP is not supported/],
    ['PDF', bytes('%PDF-1.7\n'), /PDF/],
    ['ZIP', bytes([0x50, 0x4b, 0x03, 0x04, 0, 0]), /ZIP/],
    ['SVG', bytes('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'), /^SVG drawings are not supported/],
    ['CSV', bytes('Student_Number,First_Name\r\nS1,Ana\r\n'), /^the file is not an image \(it starts with text\)$/],
    ['random binary', bytes([0x13, 0x00, 0x99, 0x42, 0x00]), /unknown format/],
    ['empty', bytes(), /empty/],
  ])('%s is refused with what to do', (_label, b, reason) => {
    const r = sniffFormat(b);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('finds a missing end marker (truncated upload) and tolerates bytes after it', () => {
    const jpeg = bytes([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
    expect(checkComplete('jpeg', jpeg)).toBeUndefined();
    expect(checkComplete('jpeg', bytes(jpeg.toString('latin1'), 'padding'))).toBeUndefined();
    expect(checkComplete('jpeg', jpeg.subarray(0, 7))).toMatch(/^truncated JPEG/);
    expect(checkComplete('png', bytes([0x89], 'PNG....IEND', [0xae, 0x42, 0x60, 0x82]))).toBeUndefined();
    expect(checkComplete('png', bytes([0x89], 'PNG....IDAT'))).toMatch(/^truncated PNG/);
  });
});

describe('near-miss names an admin profile looks up', () => {
  // Each is a photo name the hints relate to the user's Local ID; the lookup ignores case itself.
  it.each([
    ['S12345', 's12345'],
    ['0042', '42'],
    ['42', '00042'],
    ['S1', ' S1 '],
    ['S1', 'S1.jpg'],
  ])('for %j the lookup includes %j (in some case)', (localId, photoName) => {
    expect(nearMissNames(localId).map((n) => n.toLowerCase())).toContain(photoName.toLowerCase());
  });
});
