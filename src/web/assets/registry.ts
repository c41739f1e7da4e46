import { createHash } from 'node:crypto';
import { APP_JS } from './app-js.ts';
import { STYLE_CSS } from './style-css.ts';
import { CHECKOUT_CSS } from '../views/checkout/checkout-style.ts';
import { CHECKOUT_SCRIPT } from '../views/checkout/checkout-script.ts';

export interface Asset {
  body: Uint8Array;
  type: string;
  /** Short content hash: part of the URL (so it can be cached for a year) and the ETag. */
  hash: string;
}

/**
 * The viewer's only static files, kept in the code (no folder to find at run time, so they
 * travel inside the single executable). Built on first use, not at import.
 */
let assets: Map<string, Asset> | undefined;

export function getAsset(name: string): Asset | undefined {
  assets ??= new Map(
    [
      ['style.css', STYLE_CSS, 'text/css; charset=utf-8'],
      ['app.js', APP_JS, 'text/javascript; charset=utf-8'],
      ['checkout.css', CHECKOUT_CSS, 'text/css; charset=utf-8'],
      ['checkout.js', CHECKOUT_SCRIPT, 'text/javascript; charset=utf-8'],
    ].map(([name, text, type]) => {
      const body = new TextEncoder().encode(text);
      return [name!, { body, type: type!, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) }];
    }),
  );
  return assets.get(name);
}

/** `/assets/style.css?v=<hash>`: a new release changes the URL, so browsers never use a stale copy. */
export function assetUrl(name: string): string {
  const asset = getAsset(name);
  if (!asset) throw new Error(`unknown asset ${name}`);
  return `/assets/${name}?v=${asset.hash}`;
}
