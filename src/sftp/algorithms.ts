import type { HostKey } from './host-key.ts';

/**
 * Only modern algorithms, so that ssh-audit reports no "fail": curve25519 and the large
 * DH groups, AEAD ciphers and CTR mode, encrypt-then-MAC SHA-2 MACs. `legacyMacs` adds the
 * plain hmac-sha2 MACs (ssh-audit: "warn", not "fail") for libssh2 before 1.11, which
 * has no ETM MAC and no AEAD cipher: curl and PHP's ssh2 on Debian 12 and Ubuntu 22.04.
 */
export function sshAlgorithms(hostKeys: HostKey[], legacyMacs: boolean) {
  const types = new Set(hostKeys.map((k) => k.publicKey.split(' ')[0]));
  const serverHostKey: string[] = [];
  if (types.has('ssh-ed25519')) serverHostKey.push('ssh-ed25519');
  // NB: ssh2 derives the offered host key algorithms from the keys themselves and, for an RSA
  // key, always appends ssh-rsa (SHA-1) after these: only an RSA key from sftp.host_keys,
  // which old clients need, brings that item.
  if (types.has('ssh-rsa')) serverHostKey.push('rsa-sha2-512', 'rsa-sha2-256');
  return {
    kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'diffie-hellman-group16-sha512', 'diffie-hellman-group18-sha512'],
    cipher: [
      'chacha20-poly1305@openssh.com',
      'aes256-gcm@openssh.com',
      'aes128-gcm@openssh.com',
      'aes256-ctr',
      'aes192-ctr',
      'aes128-ctr',
    ],
    hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', ...(legacyMacs ? ['hmac-sha2-256', 'hmac-sha2-512'] : [])],
    serverHostKey,
    compress: ['none'],
  };
}
