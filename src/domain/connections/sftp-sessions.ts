/** One signed-in SFTP connection, as the admin status page lists it. */
export interface SftpSessionInfo {
  account: string;
  /** The client's address, as the SFTP listener saw it. */
  ip: string;
  /** When it signed in (ISO-8601 UTC). */
  since: string;
}

/**
 * The SFTP connections signed in right now. The SFTP edge reports each login and its end;
 * the web edge reads the list. Plain memory: sessions do not outlive the process.
 * @example
 * const ended = sessions.opened({ account: 'district', ip: '10.0.0.5' });
 * sessions.list(); // [{ account: 'district', ip: '10.0.0.5', since: '2026-…' }]
 * ended();
 */
export interface SftpSessions {
  /** Records a signed-in connection; call the function it returns when the connection closes (more calls do nothing). */
  opened(session: { account: string; ip: string }): () => void;
  /** Signed-in connections, the oldest first. */
  list(): SftpSessionInfo[];
  count(): number;
}

export function createSftpSessions(now: () => Date = () => new Date()): SftpSessions {
  const open = new Set<SftpSessionInfo>();
  return {
    opened({ account, ip }) {
      const entry: SftpSessionInfo = { account, ip, since: now().toISOString() };
      open.add(entry);
      return () => void open.delete(entry);
    },
    // NB: a Set iterates in insertion order, so the oldest login comes first.
    list: () => [...open].map((s) => ({ ...s })),
    count: () => open.size,
  };
}
