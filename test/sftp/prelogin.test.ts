import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applianceToml } from '../../scripts/proof/lib/appliance-toml.ts';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { logs, PASSWORD, tryLogin, USER } from './harness.ts';

// Finding 2 of issue 12: connections that never sign in (silent sockets) are closed and capped.
// The appliance listens on [::]:0, so the same port takes 127.0.0.x and ::1.

let running: { app: App; dir: string } | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await running?.app.stop(2000);
  if (running) rmSync(running.dir, { recursive: true, force: true });
  running = undefined;
});

async function start(sftpToml: string, defenderToml: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-prelogin-'));
  const toml = (
    await applianceToml({
      dataDir: 'data',
      sftpToml,
      sftpAccounts: [{ username: USER, password: PASSWORD }],
      extraToml: `[sftp.defender]\n${defenderToml}`,
    })
  ).replace('[sftp]\nlisten = "127.0.0.1:0"', '[sftp]\nlisten = "[::]:0"');
  writeFileSync(join(dir, 'appliance.toml'), toml);
  const app = await createApp(parseConfig(toml, '', dir));
  running = { app, dir };
  return (await app.start()).sftpPort;
}

/** A raw TCP connection that sends nothing; resolves once connected, with a promise of its close. */
function silent(port: number, host: string, localAddress?: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, localAddress });
    sockets.push(socket);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
    // Reads what the server says (its version line), so that its close is seen; sends nothing.
    socket.resume();
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
}

describe('finding 2: connections that never sign in', () => {
  it('a connection that sends nothing is closed at handshake_timeout_seconds, on IPv4 and IPv6; a real client still signs in', async () => {
    const port = await start('handshake_timeout_seconds = 1', '');
    const before = logs.filter((l) => l.msg === 'handshake timeout; closing the connection').length;
    const held = [];
    for (let i = 0; i < 10; i++) held.push(await silent(port, '127.0.0.1'), await silent(port, '::1'));
    await Promise.all(held.map((h) => h.closed));
    expect(held.every((h) => h.socket.destroyed)).toBe(true);
    const lines = logs.filter((l) => l.msg === 'handshake timeout; closing the connection').slice(before);
    expect(lines.length).toBe(20);
    expect(lines.filter((l) => l.ip === '::1').length).toBe(10);
    expect(await tryLogin({ port }, {})).toBe('ok');
  });

  it('caps connections not signed in over all sources and keeps a share for the allow list', async () => {
    const port = await start('handshake_timeout_seconds = 600', 'max_connections_per_ip = 6\nmax_unauthenticated = 12\nallow_list_reserved = 4\nallow_list = ["127.0.0.9"]');
    const refused = () => logs.filter((l) => l.msg === 'connection refused');
    const before = refused().length;
    // One address: its own cap of 6.
    await Promise.all(Array.from({ length: 8 }, () => silent(port, '127.0.0.1', '127.0.0.2')));
    await vi.waitFor(() => expect(refused().length - before).toBe(2));
    expect(refused().slice(before).every((l) => /source 127\.0\.0\.2 already has 6 connections open \(limit 6\)/.test(String(l.reason)))).toBe(true);
    // Many addresses: the global cap (12 - 4 kept for the allow list) closes the rest at once.
    await Promise.all([3, 4, 5, 6].map((n) => silent(port, '127.0.0.1', `127.0.0.${n}`)));
    await vi.waitFor(() => expect(refused().length - before).toBe(4));
    expect(String(refused().at(-1)!.reason)).toMatch(/8 connections are not signed in yet \(limit 8, 4 more kept for allow-listed sources\)/);
    // ::1 is a source of its own (its /64), but the global cap holds for it too.
    await silent(port, '::1').catch(() => {});
    await vi.waitFor(() => expect(refused().length - before).toBe(5));
    expect(await tryLogin({ port }, { localAddress: '127.0.0.7' })).not.toBe('ok');
    // The district's allow-listed server signs in meanwhile.
    expect(await tryLogin({ port }, { localAddress: '127.0.0.9' })).toBe('ok');
    expect(refused().slice(before).some((l) => l.ip === '127.0.0.9')).toBe(false);
  });
});
