/**
 * Finds the line of each key in a TOML text, so that configuration problems can name it.
 * smol-toml parses the document; this only maps key paths (`sftp.listen`,
 * `web.accounts[1].role`) to the line where they are written. It follows table headers,
 * arrays of tables and dotted keys; values spanning lines keep the line where they start.
 */
export function locateKeys(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  let table = '';
  const src = text.split(/\r?\n/);
  let inMultiline: string | null = null;
  for (let i = 0; i < src.length; i++) {
    const line = src[i]!;
    const lineNo = i + 1;
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = null;
      continue;
    }
    const arrayHeader = /^\s*\[\[\s*([^\]]+?)\s*\]\]/.exec(line);
    if (arrayHeader) {
      const name = normaliseKey(arrayHeader[1]!);
      const index = arrayCounts.get(name) ?? 0;
      arrayCounts.set(name, index + 1);
      table = `${name}[${index}]`;
      setOnce(lines, name, lineNo);
      lines.set(table, lineNo);
      continue;
    }
    const header = /^\s*\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) {
      table = resolveTable(normaliseKey(header[1]!), arrayCounts);
      setOnce(lines, table, lineNo);
      continue;
    }
    const assignment = /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$/.exec(line);
    if (assignment) {
      const key = normaliseKey(assignment[1]!);
      setOnce(lines, table ? `${table}.${key}` : key, lineNo);
      const rest = assignment[2]!;
      for (const quote of ['"""', "'''"]) {
        const first = rest.indexOf(quote);
        if (first >= 0 && rest.indexOf(quote, first + 3) < 0) inMultiline = quote;
      }
    }
  }
  return lines;
}

function normaliseKey(raw: string): string {
  return raw
    .split('.')
    .map((part) => part.trim().replace(/^["']|["']$/g, ''))
    .join('.');
}

/** `[sftp.defender]` after `[[sftp.accounts]]` stays `sftp.defender`; `[web.accounts.x]` would nest. */
function resolveTable(name: string, arrayCounts: Map<string, number>): string {
  const parts = name.split('.');
  const out: string[] = [];
  for (const part of parts) {
    out.push(part);
    const path = out.join('.').replace(/\[\d+\]/g, '');
    const count = arrayCounts.get(path);
    if (count !== undefined && out.length < parts.length) out[out.length - 1] = `${part}[${count - 1}]`;
  }
  return out.join('.');
}

function setOnce(map: Map<string, number>, key: string, line: number): void {
  if (!map.has(key)) map.set(key, line);
}

/** The line of a key, or of its closest written parent (a default-valued key has none). */
export function lineOf(lines: Map<string, number>, path: string): number | undefined {
  let p = path;
  while (p) {
    const line = lines.get(p);
    if (line !== undefined) return line;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return undefined;
}
