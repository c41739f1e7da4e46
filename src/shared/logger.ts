import { pino, type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

let root: Logger | undefined;

/**
 * Configures the process-wide root logger. Called once by the composition root; before
 * that (and in tests) loggers write JSON lines at `info` to stdout.
 * NB: pino's default destination writes synchronously to fd 1, with no worker thread,
 * so it works unchanged inside the single executable.
 */
export function configureLogging(level: LogLevel, destination?: pino.DestinationStream): Logger {
  root = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return root;
}

/** One logger per subsystem: `createLogger('sftp').child({ conn, user })`. */
export function createLogger(subsystem: string): Logger {
  if (!root) root = configureLogging((process.env.IDPHOTOS_LOG_LEVEL as LogLevel) ?? 'info');
  return root.child({ sub: subsystem });
}
