/**
 * The one error type the domain throws. Edges translate `code` into their protocol
 * (web/errors.ts → HTTP status, sftp/status.ts → SFTP status); the message is meant for
 * the person on the other end (an admin or a staff member), so it says what to do.
 */
export type AppErrorCode =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'too_large'
  | 'unavailable';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isAppError(err: unknown, code?: AppErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/** The message of anything thrown, for logs and one-line CLI errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * A write that failed because the disk (or the database, which lives on it) is full. Reads
 * still work then; callers that can do without the write (a session, a refusal record) fall
 * back, and the edges refuse the rest plainly.
 */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}
