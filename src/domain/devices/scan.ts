/**
 * Cleans what a person typed or a barcode scanner sent. Scanners add noise around the value:
 * a trailing CR/LF or tab, a leading STX or AIM prefix bytes, group separators, and Code 39's
 * `*` start/stop characters when the reader is set to transmit them. A card barcode is the Local
 * ID as printed, so after cleaning it is compared exactly, like any Local ID.
 */
export function cleanScan(raw: string | undefined | null): string {
  if (!raw) return '';
  // eslint-disable-next-line no-control-regex
  let s = raw.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200d\ufeff]/g, '').trim();
  if (s.length > 2 && s.startsWith('*') && s.endsWith('*')) s = s.slice(1, -1).trim();
  return s;
}
