import sharp from 'sharp';

const BACKDROPS = ['#cfe0f5', '#d9e8d4', '#e9e1f4', '#f3e5d3', '#d6e6ea', '#e8d9d9'];
const SKIN = ['#f1c9a5', '#e0ac88', '#c68863', '#a86f4c', '#8a5a3b', '#f5d6bd'];
const HAIR = ['#2b1d14', '#5a3825', '#8c5a2b', '#c9a06a', '#1c1c1c', '#6e4b3a'];
const SHIRT = ['#2f5d8a', '#8a2f4d', '#2f8a5d', '#6b5b95', '#c0703b', '#3b6b7a', '#444c56'];

/**
 * A made-up ID-style portrait (backdrop, head, hair, shoulders) as a real JPEG, so the viewer
 * is tested and photographed with real image bytes and no real person's face.
 */
export async function portraitJpeg(seed: number, width = 360, height = 450): Promise<Buffer> {
  const pick = <T>(list: T[], salt: number): T => {
    const h = Math.imul((seed + 1) ^ Math.imul(salt, 0x9e3779b1), 0x85ebca6b) >>> 0;
    return list[(h >>> 11) % list.length]!;
  };
  const long = seed % 3 === 0;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 360 450">
  <defs><radialGradient id="bg" cx="50%" cy="35%" r="75%"><stop offset="0" stop-color="#ffffff" stop-opacity=".55"/><stop offset="1" stop-color="#ffffff" stop-opacity="0"/></radialGradient></defs>
  <rect width="360" height="450" fill="${pick(BACKDROPS, 1)}"/><rect width="360" height="450" fill="url(#bg)"/>
  ${long ? `<path d="M95 190 Q90 330 120 380 L240 380 Q270 330 265 190 Z" fill="${pick(HAIR, 3)}"/>` : ''}
  <path d="M40 450 Q50 335 180 320 Q310 335 320 450 Z" fill="${pick(SHIRT, 5)}"/>
  <path d="M150 285 L150 330 Q180 350 210 330 L210 285 Z" fill="${pick(SKIN, 2)}"/>
  <ellipse cx="180" cy="205" rx="72" ry="90" fill="${pick(SKIN, 2)}"/>
  <path d="M106 200 Q100 105 180 100 Q262 105 254 200 Q245 150 180 145 Q118 150 106 200 Z" fill="${pick(HAIR, 3)}"/>
  <ellipse cx="154" cy="210" rx="7" ry="5" fill="#2a2a2a"/><ellipse cx="206" cy="210" rx="7" ry="5" fill="#2a2a2a"/>
  <path d="M160 255 Q180 268 200 255" stroke="#8a4b3a" stroke-width="4" fill="none" stroke-linecap="round"/>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}
