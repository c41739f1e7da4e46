import { renderSvg } from '../../imaging/images.ts';
import { SIZE_NAMES, SIZE_PIXELS, type DisplaySize } from './sizes.ts';

/**
 * The image shown for a user without a photo: a neutral grey figure, no initials (a name on an
 * image would leak into screenshots and printouts). Rendered once, at its first request, in every size.
 */
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="480" viewBox="0 0 360 480">
  <rect width="360" height="480" fill="#e6e8eb"/>
  <circle cx="180" cy="185" r="78" fill="#a9afb7"/>
  <path d="M40 480 C40 360 100 300 180 300 C260 300 320 360 320 480 Z" fill="#a9afb7"/>
</svg>`;

export function createPlaceholder(): (size: DisplaySize) => Promise<Buffer> {
  let rendered: Promise<Map<DisplaySize, Buffer>> | undefined;
  return async (size) => {
    rendered ??= renderSvg(SVG, SIZE_PIXELS).then((outputs) => new Map(SIZE_NAMES.map((name, i) => [name, outputs[i]])));
    return (await rendered).get(size)!;
  };
}
