import { isIPv6 } from 'node:net';
import { createAddressList, type AddressList } from '../shared/address-list.ts';
import type { SftpConfig } from '../config/schema.ts';
import type { Logger } from '../shared/logger.ts';

type DefenderConfig = SftpConfig['defender'];

interface Source {
  failures: number[];
  bannedUntil: number;
  bans: number;
  lastBanEnd: number;
  connections: number;
  /** Password checks under way (argon2 plus the failure delay take about half a second). */
  checking: number;
}

/** A source's repeat-ban count is forgotten after a day without bans. */
const BAN_MEMORY_MS = 24 * 3600 * 1000;

/**
 * Per-source-IP defence against password guessing, after SFTPGo's defender, fail2ban and
 * OpenSSH's PerSourcePenalties: failed logins are scored per IP within a window; reaching
 * the threshold bans the IP (each repeat doubles the ban, up to the maximum); open
 * connections per IP are capped. It never locks an account: the owner at another IP is
 * not affected by an attacker.
 */
export class Defender {
  private readonly sources = new Map<string, Source>();
  private readonly allow: AddressList;
  private ops = 0;
  /** Connections not signed in yet, over every source: each holds a descriptor and SSH state. */
  private unauthenticated = 0;

  constructor(
    private readonly cfg: DefenderConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.allow = createAddressList(cfg.allow_list);
  }

  /**
   * Called for each new TCP connection, before the SSH handshake. Returns why it is refused,
   * or `signedIn` (the connection no longer counts as not signed in) and `release` (it closed).
   * Connections not signed in are capped over all sources, with a share only allow-listed
   * sources may take, so a flood from many addresses cannot use up the process's descriptors
   * nor keep the district's own servers out.
   */
  admit(rawIp: string): { refused: string } | { signedIn: () => void; release: () => void } {
    const ip = normalizeIp(rawIp);
    if (++this.ops % 256 === 0) this.prune();
    const allowed = this.allowed(ip);
    const cap = allowed ? this.cfg.max_unauthenticated : this.cfg.max_unauthenticated - this.cfg.allow_list_reserved;
    if (this.unauthenticated >= cap) {
      return { refused: `${this.unauthenticated} connections are not signed in yet (limit ${cap}${allowed ? '' : `, ${this.cfg.allow_list_reserved} more kept for allow-listed sources`}); try again shortly` };
    }
    let s: Source | undefined;
    if (this.cfg.enabled && !allowed) {
      s = this.source(ip);
      const t = this.now();
      if (s.bannedUntil > t) return { refused: `source ${sourceKey(ip)} is banned for ${Math.ceil((s.bannedUntil - t) / 1000)} more seconds after repeated failed logins` };
      if (s.connections >= this.cfg.max_connections_per_ip) {
        return { refused: `source ${sourceKey(ip)} already has ${s.connections} connections open (limit ${this.cfg.max_connections_per_ip})` };
      }
      s.connections++;
    }
    this.unauthenticated++;
    let pending = true;
    let released = false;
    const signedIn = () => {
      if (pending) this.unauthenticated--;
      pending = false;
    };
    return {
      signedIn,
      release: () => {
        signedIn();
        if (!released && s) s.connections--;
        released = true;
      },
    };
  }

  isBanned(rawIp: string): boolean {
    const s = this.sources.get(sourceKey(normalizeIp(rawIp)));
    return !!s && s.bannedUntil > this.now();
  }

  /**
   * Starts a password check for a source, unless as many are under way as failures earn a ban:
   * otherwise many parallel connections would each get a guess in before the first failure is
   * scored. Returns a function that ends the check, or undefined when it may not start.
   */
  beginPasswordCheck(rawIp: string): (() => void) | undefined {
    const ip = normalizeIp(rawIp);
    if (!this.cfg.enabled || this.allowed(ip)) return () => {};
    const s = this.source(ip);
    const windowStart = this.now() - this.cfg.window_seconds * 1000;
    const recentFailures = s.failures.filter((f) => f > windowStart).length;
    if (s.checking + recentFailures >= this.cfg.max_failures) return undefined;
    s.checking++;
    let ended = false;
    return () => {
      if (!ended) s.checking--;
      ended = true;
    };
  }

  /** Scores one failed login; bans the source when it reaches the threshold. */
  recordFailure(rawIp: string, username: string, method: string): void {
    const ip = normalizeIp(rawIp);
    if (!this.cfg.enabled || this.allowed(ip)) return;
    const s = this.source(ip);
    const t = this.now();
    const windowStart = t - this.cfg.window_seconds * 1000;
    s.failures = s.failures.filter((f) => f > windowStart);
    s.failures.push(t);
    if (s.failures.length < this.cfg.max_failures || s.bannedUntil > t) return;
    if (t - s.lastBanEnd > BAN_MEMORY_MS) s.bans = 0;
    s.bans++;
    const seconds = Math.min(this.cfg.ban_seconds * 2 ** (s.bans - 1), this.cfg.max_ban_seconds);
    s.bannedUntil = t + seconds * 1000;
    s.lastBanEnd = s.bannedUntil;
    s.failures = [];
    this.log.warn({ ip, username, method, ban_seconds: seconds, ban_count: s.bans }, `banned ${ip} for ${seconds} s after ${this.cfg.max_failures} failed logins`);
  }

  private allowed(ip: string): boolean {
    return this.allow.has(ip);
  }

  private source(ip: string): Source {
    const key = sourceKey(ip);
    let s = this.sources.get(key);
    if (!s) {
      s = { failures: [], bannedUntil: 0, bans: 0, lastBanEnd: 0, connections: 0, checking: 0 };
      this.sources.set(key, s);
    }
    return s;
  }

  private prune(): void {
    const t = this.now();
    const windowStart = t - this.cfg.window_seconds * 1000;
    for (const [ip, s] of this.sources) {
      const idle = s.connections === 0 && s.bannedUntil <= t && s.failures.every((f) => f <= windowStart);
      if (idle && t - s.lastBanEnd > BAN_MEMORY_MS) this.sources.delete(ip);
    }
  }
}

/**
 * What counts as one source: an IPv4 address, or an IPv6 /64 (one site's or one host's
 * prefix: an attacker holding a /64 has 2^64 addresses to rotate through).
 */
export function sourceKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros. */
function expandIpv6(ip: string): string[] {
  let addr = ip.split('%')[0]!.toLowerCase();
  const dotted = addr.match(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    addr = addr.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => parseInt(g, 16).toString(16));
}

export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
