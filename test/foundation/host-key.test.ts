import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateEd25519Key } from '../../src/sftp/host-key.ts';

describe('host key generation', () => {
  // ssh2 alone gets about one key in 256 wrong; 2000 keys would almost surely hit one.
  it('every generated ed25519 key reads back with a 32-byte public key', () => {
    for (let i = 0; i < 2000; i++) {
      const pair = generateEd25519Key();
      const key = ssh2.utils.parseKey(pair.private);
      expect(key).not.toBeInstanceOf(Error);
      const blob = (key as ssh2.ParsedKey).getPublicSSH();
      // string "ssh-ed25519" (4 + 11) + string key (4 + 32)
      expect(blob.length).toBe(51);
    }
  });
});
