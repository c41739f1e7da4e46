import { BlockList, isIPv6 } from 'node:net';
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
  private readonly allow = new BlockList();
  private ops = 0;

  constructor(
    private readonly cfg: DefenderConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    for (const entry of cfg.allow_list) {
      const [addr, bits] = entry.split('/');
      const type = isIPv6(addr!) ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.allow.addAddress(addr!, type);
      else this.allow.addSubnet(addr!, Number(bits), type);
    }
  }

  /**
   * Called for each new TCP connection, before the SSH handshake. Returns why it is refused,
   * or a function to call when the connection closes.
   */
  admit(rawIp: string): { refused: string } | { release: () => void } {
    const ip = normalizeIp(rawIp);
    if (++this.ops % 256 === 0) this.prune();
    if (!this.cfg.enabled || this.allowed(ip)) return { release: () => {} };
    const s = this.source(ip);
    const t = this.now();
    if (s.bannedUntil > t) return { refused: `source ${ip} is banned for ${Math.ceil((s.bannedUntil - t) / 1000)} more seconds after repeated failed logins` };
    if (s.connections >= this.cfg.max_connections_per_ip) {
      return { refused: `source ${ip} already has ${s.connections} connections open (limit ${this.cfg.max_connections_per_ip})` };
    }
    s.connections++;
    let released = false;
    return {
      release: () => {
        if (!released) s.connections--;
        released = true;
      },
    };
  }

  isBanned(rawIp: string): boolean {
    const s = this.sources.get(normalizeIp(rawIp));
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
    return this.allow.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
  }

  private source(ip: string): Source {
    let s = this.sources.get(ip);
    if (!s) {
      s = { failures: [], bannedUntil: 0, bans: 0, lastBanEnd: 0, connections: 0, checking: 0 };
      this.sources.set(ip, s);
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

export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
