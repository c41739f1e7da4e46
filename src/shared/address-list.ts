import { BlockList, isIP } from 'node:net';

/**
 * A list of IP addresses and CIDR ranges (`10.0.0.5`, `10.1.0.0/16`, `::1`, `fd00::/8`), checked
 * against a socket's remote address. IPv4 clients of a dual-stack listener arrive as
 * `::ffff:10.0.0.5` and are matched as the IPv4 address they are.
 */
export interface AddressList {
  has(ip: string): boolean;
}

/** Why `entry` is not an address or CIDR, or undefined when it is one (for the config check). */
export function addressProblem(entry: string): string | undefined {
  const [addr = '', bits, extra] = entry.split('/');
  const family = isIP(addr);
  if (!family || extra !== undefined) return `"${entry}" is not an IP address or CIDR range (like "10.0.0.5" or "10.1.0.0/16")`;
  if (bits === undefined) return undefined;
  const n = Number(bits);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bits) || n > max) return `"${entry}": the prefix length must be 0 to ${max}`;
  return undefined;
}

/** Builds the list; entries are assumed checked by `addressProblem` (the config does that). */
export function createAddressList(entries: readonly string[]): AddressList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr = '', bits] = entry.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return {
    has(ip) {
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
      const plain = mapped ? mapped[1]! : ip;
      const family = isIP(plain);
      if (!family) return false;
      return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
