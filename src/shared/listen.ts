import type { Server } from 'node:net';
import type { ListenAddress } from '../config/schema.ts';
import { formatListen } from '../config/parse.ts';

/**
 * Starts `server` listening and resolves with the real port (listen = "…:0" picks one).
 * Errors become one line that names the cause, e.g. "web: cannot listen on 0.0.0.0:8080:
 * the port is already in use".
 */
export function listenOn(server: Server, addr: ListenAddress, service: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is already in use'
          : err.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : err.code === 'EADDRNOTAVAIL'
              ? 'this machine has no such address'
              : err.code === 'ENOTFOUND'
                ? 'unknown host name'
                : err.message;
      reject(new Error(`${service}: cannot listen on ${formatListen(addr)}: ${why}`));
    };
    const onListening = () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : addr.port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(addr.port, addr.host);
  });
}

/** Closes a server, resolving once its open connections have ended or `graceMs` passed. */
export function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      resolve();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
