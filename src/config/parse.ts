import { parse as parseToml, TomlError } from 'smol-toml';
import { isAbsolute, resolve, dirname, basename } from 'node:path';
import { SCHEMA, type Config, type FieldSpec, type ListenAddress } from './schema.ts';
import { lineOf, locateKeys } from './locate.ts';
import { addressProblem } from '../shared/address-list.ts';
import { isInside } from '../shared/paths.ts';
import { directoryChecks } from './directory-checks.ts';
import { isTimezone } from '../shared/time.ts';

export interface ConfigProblem {
  key: string;
  line?: number;
  message: string;
}

/** Every problem found in a configuration, reported together. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
  }
}

export function formatProblem(file: string, p: ConfigProblem): string {
  const where = `${file ? basename(file) : 'configuration'}${p.line ? `:${p.line}` : ''}`;
  return `${where}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}

/**
 * TOML text → typed configuration, in one pure function: no file is read and nothing is
 * created (secret files named by [web.oidc] and [web.ldap] are only checked to exist). Relative paths resolve against the folder of `file` (or `baseDir` for the
 * embedded defaults). Throws ConfigError listing every problem at once.
 */
export function parseConfig(text: string, file: string, baseDir = file ? dirname(file) : process.cwd()): Config {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError(file, [{ key: '', line: err.line, message: `not valid TOML: ${first}` }]);
    }
    throw err;
  }
  const lines = locateKeys(text);
  const problems: ConfigProblem[] = [];
  const ctx: Ctx = {
    baseDir,
    problem: (key, message) => problems.push({ key, line: lineOf(lines, key), message }),
  };
  const config = readTable(SCHEMA, raw, '', ctx) as Config;
  config.config_file = file ? resolve(file) : '';
  if (!config.data_dir) ctx.problem('data_dir', 'must not be empty');
  crossChecks(config, ctx);
  if (problems.length) {
    problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    throw new ConfigError(file, problems);
  }
  return config;
}

interface Ctx {
  baseDir: string;
  problem(key: string, message: string): void;
}

function readTable(fields: Record<string, FieldSpec>, raw: unknown, path: string, ctx: Ctx): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const given: Record<string, unknown> = isPlainTable(raw) ? raw : {};
  if (raw !== undefined && !isPlainTable(raw)) ctx.problem(path, `must be a table, not ${describe(raw)}`);
  for (const key of Object.keys(given)) {
    if (!(key in fields)) {
      const suggestion = closest(key, Object.keys(fields));
      ctx.problem(join(path, key), `unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
    }
  }
  for (const [key, spec] of Object.entries(fields)) {
    out[key] = readField(spec, given[key], join(path, key), ctx);
  }
  return out;
}

function readField(spec: FieldSpec, value: unknown, key: string, ctx: Ctx): unknown {
  switch (spec.type) {
    case 'table':
      return readTable(spec.fields, value, key, ctx);
    case 'tables': {
      if (value === undefined) return [];
      if (!Array.isArray(value)) {
        ctx.problem(key, `must be an array of tables ([[${key}]]), not ${describe(value)}`);
        return [];
      }
      return value.map((item, i) => readTable(spec.fields, item, `${key}[${i}]`, ctx));
    }
    case 'map': {
      if (value === undefined) return {};
      if (!isPlainTable(value)) {
        ctx.problem(key, `must be a table, not ${describe(value)}`);
        return {};
      }
      return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, readTable(spec.of, v, `${key}.${name}`, ctx)]));
    }
    case 'names': {
      if (value === undefined) return {};
      if (!isPlainTable(value)) {
        ctx.problem(key, `must be a table of "code" = "name", not ${describe(value)}`);
        return {};
      }
      const out: Record<string, string> = {};
      for (const [code, name] of Object.entries(value)) {
        if (typeof name !== 'string' || name.trim() === '') ctx.problem(`${key}.${code}`, `must be a name in quotes, not ${describe(name)}`);
        else if (name.length > spec.maxLength) ctx.problem(`${key}.${code}`, `is ${name.length} characters long; the most allowed is ${spec.maxLength}`);
        else out[code] = name.trim();
      }
      return out;
    }
    case 'string': {
      if (value === undefined) {
        if (spec.required) ctx.problem(key, 'is required');
        return spec.default ?? '';
      }
      if (typeof value !== 'string') return wrongType(ctx, key, 'a string', value, spec.default ?? '');
      if (spec.pattern && !spec.pattern.test(value)) ctx.problem(key, `must be ${spec.hint ?? `like ${spec.pattern}`}`);
      return value;
    }
    case 'int': {
      if (value === undefined) return spec.default;
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) return wrongType(ctx, key, 'a whole number', value, spec.default);
      if (spec.min !== undefined && n < spec.min) ctx.problem(key, `must be at least ${spec.min}, not ${n}`);
      if (spec.max !== undefined && n > spec.max) ctx.problem(key, `must be at most ${spec.max}, not ${n}`);
      return n;
    }
    case 'bool':
      if (value === undefined) return spec.default;
      if (typeof value !== 'boolean') return wrongType(ctx, key, 'true or false', value, spec.default);
      return value;
    case 'enum': {
      if (value === undefined) return spec.default;
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        ctx.problem(key, `must be one of ${spec.values.map((v) => `"${v}"`).join(', ')}, not ${describe(value)}`);
        return spec.default;
      }
      return value;
    }
    case 'strings': {
      if (value === undefined) return [...spec.default];
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        return wrongType(ctx, key, 'an array of strings', value, [...spec.default]);
      }
      if (spec.values) {
        for (const v of value) {
          if (!spec.values.includes(v)) ctx.problem(key, `"${v}" is not one of ${spec.values.map((x) => `"${x}"`).join(', ')}`);
        }
      }
      return value;
    }
    case 'path': {
      const v = value === undefined ? spec.default : value;
      if (typeof v !== 'string') return wrongType(ctx, key, 'a path (string)', value, spec.default);
      return v && !isAbsolute(v) ? resolve(ctx.baseDir, v) : v;
    }
    case 'listen': {
      const v = value === undefined ? spec.default : value;
      if (typeof v !== 'string') return wrongType(ctx, key, 'an address like "0.0.0.0:2222"', value, parseListen(spec.default)!);
      const parsed = parseListen(v);
      if (!parsed) {
        ctx.problem(key, `"${v}" is not a listen address: use HOST:PORT, e.g. "0.0.0.0:2222", "127.0.0.1:0" or "[::]:2222"`);
        return parseListen(spec.default)!;
      }
      return parsed;
    }
  }
}

/** "0.0.0.0:2222", "[::1]:0", "localhost:8080" → host and port; anything else → null. */
export function parseListen(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  const host = m[1] ?? m[2]!;
  if (m[2] && /^[\d.]+$/.test(host)) {
    const parts = host.split('.');
    if (parts.length !== 4 || parts.some((p) => p === '' || Number(p) > 255)) return null;
  }
  return { host, port };
}

export function formatListen(addr: ListenAddress): string {
  return addr.host.includes(':') ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

function crossChecks(config: Config, ctx: Ctx): void {
  if (config.timezone && !isTimezone(config.timezone)) {
    ctx.problem('timezone', `"${config.timezone}" is not a time zone name: use an IANA name such as "America/Chicago", "Europe/London" or "UTC"`);
  }
  duplicates(config.sftp.accounts.map((a) => a.username), 'sftp.accounts', ctx);
  duplicates(config.web.accounts.map((a) => a.username), 'web.accounts', ctx);
  config.sftp.accounts.forEach((a, i) => {
    if (!a.password_hash && a.authorized_keys.length === 0) {
      ctx.problem(`sftp.accounts[${i}]`, `account "${a.username}" needs a password_hash or authorized_keys`);
    }
  });
  if (Boolean(config.web.tls_cert) !== Boolean(config.web.tls_key)) {
    ctx.problem(config.web.tls_cert ? 'web.tls_key' : 'web.tls_cert', 'tls_cert and tls_key go together: set both or neither');
  }
  if (config.sftp.defender.allow_list_reserved >= config.sftp.defender.max_unauthenticated) {
    ctx.problem('sftp.defender.allow_list_reserved', 'must be less than max_unauthenticated');
  }
  for (const [key, entries] of [['sftp.defender.allow_list', config.sftp.defender.allow_list], ['metrics.allow', config.metrics.allow]] as const) {
    entries.forEach((entry, i) => {
      const problem = addressProblem(entry);
      if (problem) ctx.problem(`${key}[${i}]`, problem);
    });
  }
  if (config.alerts.smtp_url && (!config.alerts.from || config.alerts.to.length === 0)) {
    ctx.problem(config.alerts.from ? 'alerts.to' : 'alerts.from', 'smtp_url needs from and to (the addresses alerts are sent from and to)');
  }
  if (config.backup.schedule && !config.backup.dir) ctx.problem('backup.dir', 'backup.schedule needs dir: the folder the backups go to');
  if (config.backup.dir && isInside(config.backup.dir, config.data_dir)) {
    ctx.problem('backup.dir', `${config.backup.dir} is inside data_dir: a backup there would copy itself, and goes with the disk it protects`);
  }
  // NB: a plain address or "Name <address>"; nodemailer takes both.
  const address = /^(?:[^<>@\s][^<>]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;
  if (config.alerts.from && !address.test(config.alerts.from)) ctx.problem('alerts.from', `"${config.alerts.from}" is not a mail address`);
  config.alerts.to.forEach((to, i) => {
    if (!address.test(to)) ctx.problem(`alerts.to[${i}]`, `"${to}" is not a mail address`);
  });
  if (config.metrics.token && config.metrics.token_file) ctx.problem('metrics.token_file', 'set token or token_file, not both');
  if (config.sftp.defender.max_ban_seconds < config.sftp.defender.ban_seconds) {
    ctx.problem('sftp.defender.max_ban_seconds', 'must not be less than ban_seconds');
  }
  directoryChecks(config, ctx.problem);
}

function duplicates(names: string[], key: string, ctx: Ctx): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) ctx.problem(`${key}[${i}].username`, `"${name}" is listed twice`);
    seen.add(name);
  });
}

function wrongType<T>(ctx: Ctx, key: string, expected: string, value: unknown, fallback: T): T {
  ctx.problem(key, `must be ${expected}, not ${describe(value)}`);
  return fallback;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (isPlainTable(value)) return 'a table';
  return `${typeof value} ${String(value)}`;
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** The closest known key within two edits, for "did you mean". */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Keys whose values are secrets (a URL may carry a password or a webhook's own token). */
const SECRET_KEYS = new Set(['password_hash', 'token', 'webhook_url', 'smtp_url', 'client_secret']);

/** The configuration with secrets replaced, for the one start-up log line. */
export function redactConfig(config: Config): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value) => (SECRET_KEYS.has(key) && value ? '[redacted]' : value)),
  );
}
