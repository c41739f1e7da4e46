import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AppContext } from '../context.ts';
import { listenOn } from '../shared/listen.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import type { RunningServer } from '../web/server.ts';
import { sshAlgorithms } from './algorithms.ts';
import { Authenticator } from './auth.ts';
import { Defender, normalizeIp, sourceKey } from './defender.ts';
import { serveSftpChannel } from './protocol/channel.ts';
import { SftpSession } from './session.ts';
import { StagingArea } from './staging.ts';
import { createInFlight } from '../shared/in-flight.ts';
import { effectiveHandleLimit, UploadBudget } from './budget.ts';

const STAGED_MAX_AGE_MS = 24 * 3600 * 1000;
/** Time to authenticate after the handshake (OpenSSH's LoginGraceTime is 120 s). */
const LOGIN_GRACE_MS = 60_000;
const MAX_SFTP_CHANNELS_PER_CONNECTION = 8;
// keyboard-interactive asks for the password once: some clients (FileZilla, WinSCP by
// default) try it first, and a few offer nothing else for passwords.
const AUTH_METHODS: ssh2.AuthenticationType[] = ['publickey', 'password', 'keyboard-interactive'];

/**
 * The SFTP endpoint. A plain TCP listener admits each connection (defender: bans and the
 * per-IP cap, before any SSH work) and hands the socket to ssh2 for the transport and
 * authentication; the `sftp` subsystem is served by our own packet layer and session.
 */
export async function startSftpServer(ctx: AppContext): Promise<RunningServer> {
  const cfg = ctx.config.sftp;
  const log = createLogger('sftp');
  const staging = new StagingArea(join(ctx.config.data_dir, 'sftp'));
  const { removed } = staging.cleanup(STAGED_MAX_AGE_MS);
  if (removed.length) log.info({ files: removed }, `removed ${removed.length} staged upload(s) older than a day`);
  const handles = effectiveHandleLimit(cfg.max_open_handles);
  if (handles < cfg.max_open_handles) log.warn({ configured: cfg.max_open_handles, used: handles }, 'sftp.max_open_handles is over half the open-file limit of this process; using half');
  const budget = new UploadBudget({
    handles,
    handlesPerAccount: Math.min(cfg.max_open_handles_per_account, handles),
    bytes: cfg.max_staged_bytes,
    bytesPerAccount: cfg.max_staged_bytes_per_account,
    filesPerAccount: cfg.max_staged_files_per_account,
  });
  // Staged files outlive restarts (WinSCP resumes them): they count from the start. Charged
  // unconditionally: what is already on disk is not refused, only growth past the limits.
  for (const f of staging.staged()) budget.charge(f.account, f.file, f.size, { force: true });

  const auth = new Authenticator(ctx.accounts.sftp, ctx.auth.passwordChecks);
  const defender = new Defender(cfg.defender, log);
  const sessionsPerAccount = new Map<string, number>();
  const { track, settled } = createInFlight();
  const sockets = new Set<Socket>();
  const clients = new Set<ssh2.Connection>();
  /**
   * Accepted sockets whose SSH handshake has not reached ssh2's `connection` event, by
   * remote address and port (ssh2 names a connection only by those), so the handshake
   * deadline can end once it does and signing in can free the not-signed-in slot.
   */
  const accepted = new Map<string, { handshakeDone: () => void; signedIn: () => void }>();
  let connCounter = 0;

  const ssh = new ssh2.Server({
    hostKeys: ctx.hostKeys.map((k) => k.privateKey),
    ident: 'idphotos',
    algorithms: sshAlgorithms(ctx.hostKeys, cfg.legacy_macs) as ssh2.Algorithms,
  });
  ssh.on('error', (err: Error) => log.error({ err }, 'ssh server error'));

  ssh.on('connection', (client, info) => {
    const ip = normalizeIp(info.ip);
    const conn = ++connCounter;
    const admitted = accepted.get(`${info.ip}|${info.port}`);
    accepted.delete(`${info.ip}|${info.port}`);
    admitted?.handshakeDone();
    // Names this connection's reports (session-20261203T083100Z-7.csv): unique across restarts.
    const sessionKey = `${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '')}Z-${conn}`;
    let clog: Logger = log.child({ conn, ip });
    let account: string | undefined;
    let method: string | undefined;
    let keyRejected = false;
    let passwordTried = false;
    let outcome = 'no login';
    const sessions: SftpSession[] = [];
    let ended: (() => void) | undefined;
    const started = Date.now();
    clients.add(client);

    const timer = setTimeout(() => {
      clog.info({ seconds: Math.round((Date.now() - started) / 1000) }, account ? 'idle timeout' : 'login timeout');
      outcome = account ? 'idle timeout' : 'login timeout';
      client.end();
    }, LOGIN_GRACE_MS);
    timer.unref();
    const touch = () => timer.refresh();

    client.on('authentication', (actx) => {
      void authenticate(actx).catch((err: unknown) => {
        clog.error({ err }, 'authentication error');
        actx.reject(AUTH_METHODS);
      });
    });

    const authenticate = async (actx: ssh2.AuthContext) => {
      const user = actx.username;
      if (defender.isBanned(ip)) {
        outcome = 'banned';
        actx.reject(AUTH_METHODS);
        client.end();
        return;
      }
      if (actx.method === 'password') return passwordAttempt(actx, user, actx.password, 'password');
      if (actx.method === 'keyboard-interactive') {
        const kctx = actx;
        const answers = await new Promise<string[]>((resolve) => kctx.prompt([{ prompt: 'Password: ', echo: false }], resolve));
        return passwordAttempt(actx, user, answers[0] ?? '', 'keyboard-interactive');
      }
      if (actx.method === 'publickey') {
        const key = auth.findKey(user, actx.key.algo, actx.key.data);
        if (!key) {
          keyRejected = true;
          return actx.reject(AUTH_METHODS);
        }
        if (!actx.signature) return actx.accept(); // the key would do; the client signs next
        if (auth.verifySignature(key, actx.blob!, actx.signature, actx.hashAlgo)) return succeed(actx, user, 'publickey');
        defender.recordFailure(ip, user, 'publickey');
        clog.warn({ user, method: 'publickey' }, 'login failed: bad signature');
        outcome = 'login failed';
        return actx.reject(AUTH_METHODS);
      }
      actx.reject(AUTH_METHODS);
    };

    const passwordAttempt = async (actx: ssh2.AuthContext, user: string, password: string, how: string) => {
      passwordTried = true;
      const endCheck = defender.beginPasswordCheck(ip);
      if (!endCheck) {
        await auth.failureDelay();
        clog.warn({ user, method: how }, 'login refused: too many password attempts at once from this address');
        outcome = 'login failed';
        return actx.reject(AUTH_METHODS);
      }
      let ok: boolean;
      try {
        ok = await auth.checkPassword(user, password, sourceKey(ip));
      } finally {
        endCheck();
      }
      if (ok) return succeed(actx, user, how);
      defender.recordFailure(ip, user, how);
      await auth.failureDelay();
      clog.warn({ user, method: how }, 'login failed');
      outcome = 'login failed';
      actx.reject(AUTH_METHODS);
      if (defender.isBanned(ip)) client.end();
    };

    const succeed = (actx: ssh2.AuthContext, user: string, how: string) => {
      // Banned while this attempt was checked (by failures on other connections): no way in.
      if (defender.isBanned(ip)) {
        outcome = 'banned';
        actx.reject(AUTH_METHODS);
        client.end();
        return;
      }
      const open = sessionsPerAccount.get(user) ?? 0;
      if (open >= cfg.max_sessions_per_account) {
        clog.warn({ user, open, limit: cfg.max_sessions_per_account }, `login refused: ${user} already has ${open} sessions open (max_sessions_per_account)`);
        outcome = 'too many sessions';
        return actx.reject(AUTH_METHODS);
      }
      sessionsPerAccount.set(user, open + 1);
      account = user;
      method = how;
      outcome = 'ok';
      clog = clog.child({ user });
      actx.accept();
    };

    client.on('ready', () => {
      clearTimeout(timer);
      admitted?.signedIn();
      ended = ctx.sftpSessions.opened({ account: account!, ip });
      const idle = setTimeout(() => {
        outcome = 'idle timeout';
        clog.info({ idle_seconds: cfg.idle_timeout_seconds }, 'idle timeout; closing the connection');
        client.end();
      }, cfg.idle_timeout_seconds * 1000);
      idle.unref();
      const activity = () => idle.refresh();
      client.once('close', () => clearTimeout(idle));

      client.on('session', (accept) => {
        const session = accept();
        session.on('subsystem', (acceptSub, rejectSub, info) => {
          if (info.name !== 'sftp' || sessions.length >= MAX_SFTP_CHANNELS_PER_CONNECTION) return rejectSub();
          const channel = acceptSub();
          const sftp = new SftpSession({
            folders: ctx.folders,
            staging,
            budget,
            dataDir: ctx.config.data_dir,
            account: account!,
            remoteAddress: ip,
            session: sessions.length ? `${sessionKey}-${sessions.length + 1}` : sessionKey,
            log: clog,
            track,
          });
          sessions.push(sftp);
          serveSftpChannel(channel, sftp, activity);
        });
        // rclone and others probe with exec (md5sum, df, echo); only SFTP is offered.
        session.on('exec', (_acceptExec, rejectExec, info) => {
          clog.debug({ command: info.command }, 'exec refused: only SFTP is offered');
          rejectExec?.();
        });
        session.on('shell', (_acceptShell, rejectShell) => rejectShell?.());
      });
    });

    client.on('error', (err: Error) => clog.debug({ err: err.message }, 'connection error'));
    client.on('close', () => {
      clearTimeout(timer);
      clients.delete(client);
      ended?.();
      if (account) {
        const open = (sessionsPerAccount.get(account) ?? 1) - 1;
        if (open > 0) sessionsPerAccount.set(account, open);
        else sessionsPerAccount.delete(account);
      } else if (keyRejected && !passwordTried) {
        // Only keys were offered and none fit: one failure per connection, so that a
        // client with many keys in its agent is not banned for trying them.
        defender.recordFailure(ip, '', 'publickey');
        outcome = 'login failed';
      }
      const files = sessions.reduce((t, s) => ({ committed: t.committed + s.stats.committed, refused: t.refused + s.stats.refused, bytes: t.bytes + s.stats.bytes }), { committed: 0, refused: 0, bytes: 0 });
      clog.info({ account, method, outcome, seconds: Math.round((Date.now() - started) / 1000), ...files }, 'ssh session ended');
    });
  });

  const tcp = createServer((socket) => {
    socket.setNoDelay(true);
    const ip = normalizeIp(socket.remoteAddress ?? '');
    const admitted = defender.admit(ip);
    if ('refused' in admitted) {
      log.warn({ ip, reason: admitted.refused }, 'connection refused');
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    // NB: counted from accept, before any byte: a client that never sends its version line
    // never reaches ssh2's own events, and would otherwise hold its descriptor for ever.
    const deadline = setTimeout(() => {
      log.info({ ip, seconds: cfg.handshake_timeout_seconds }, 'handshake timeout; closing the connection');
      socket.destroy();
    }, cfg.handshake_timeout_seconds * 1000);
    deadline.unref();
    accepted.set(key, { handshakeDone: () => clearTimeout(deadline), signedIn: admitted.signedIn });
    socket.once('close', () => {
      clearTimeout(deadline);
      accepted.delete(key);
      sockets.delete(socket);
      admitted.release();
    });
    ssh.injectSocket(socket);
  });

  const port = await listenOn(tcp, cfg.listen, 'sftp');
  return {
    port,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const s of sockets) s.destroy();
          resolve();
        }, graceMs);
        timer.unref();
        tcp.close();
        // Uploads not yet closed by their client are dropped (they commit nothing); commits
        // already under way finish.
        for (const c of clients) c.end();
        const waitSockets = (): Promise<void> => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((r) => setTimeout(r, 20)).then(waitSockets));
        void settled().then(waitSockets).then(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
