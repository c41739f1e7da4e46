import type { AppErrorCode } from '../../shared/errors.ts';

/**
 * What the SFTP edge sees of `/incoming/idphotos/` and `/incoming/data/`: a folder of
 * committed files. The SFTP layer owns the bytes in flight (temp files, `.filepart` names,
 * resume); a folder owns what happens once an upload is complete (`commit`) and what a
 * listing shows afterwards. Implemented by the photo store (idphotos) and roster sync (data).
 */
export interface FolderEntry {
  /** File name as uploaded, e.g. `S12345.jpg`. */
  name: string;
  size: number;
  /** Modification time in whole seconds since the epoch, as the client set it (or commit time). */
  mtime: number;
  /**
   * Tells one committed version from the next under the same name (a deferred removal
   * removes only the version it saw). Absent where a folder cannot tell.
   */
  version?: string;
}

export interface CommitRequest {
  /** A complete file on the same filesystem as data_dir; the folder takes it over (rename) or deletes it. */
  tempPath: string;
  /** Final file name in this folder (already checked with `checkName`). */
  name: string;
  size: number;
  /** SFTP account that uploaded it. */
  account: string;
  /** Source address of the upload, for logs and the admin pages. */
  remoteAddress?: string;
  /** mtime the client asked for, if it sent one before the commit (seconds). */
  mtime?: number;
  /** The upload session it came in, for /reports/. */
  session?: string;
}

/** An upload the SFTP layer refused before it reached `commit` (name, size limit, disk full). */
export interface UploadRefusal {
  name: string;
  account: string;
  remoteAddress?: string;
  /** Bytes received before the refusal (0 when refused at OPEN). */
  bytes: number;
  reason: string;
  /** The refusal's AppError code, when it came from one (the metrics count refusals by kind). */
  code?: AppErrorCode;
  /** The upload session it came in, for /reports/. */
  session?: string;
}

export interface IncomingFolder {
  /** `idphotos` or `data`. */
  readonly name: string;
  /** Largest file accepted, enforced by the SFTP layer during WRITE. */
  readonly maxBytes: number;
  /** The limit for one name when it differs from `maxBytes` (a delivery zip among photos). */
  maxBytesFor?(name: string): number;
  /**
   * When set, committed files are listed but never read back (downloaded, copied) over SFTP,
   * and this is the reason given.
   */
  readonly readRefusal?: string;
  /** Throws AppError('invalid', …) naming what is allowed when `name` may not be created here. */
  checkName(name: string): void;
  list(): FolderEntry[];
  stat(name: string): FolderEntry | undefined;
  /** Path of the bytes as uploaded, for READ; undefined when there is no such file. */
  contentPath(name: string): string | undefined;
  /**
   * Makes a complete upload current. Resolves once it is durable and visible; throws
   * AppError with a reason the uploader can act on when it is refused (the previous file stays).
   */
  commit(req: CommitRequest): Promise<void>;
  /**
   * Takes a file out of the folder (history, where there is one, is kept). With `version`,
   * only that version: when the name holds another by now, AppError('conflict') and nothing changes.
   * NB: a folder that wraps another must pass `version` on (the type cannot insist: it is optional):
   * wrappers build on wrapFolder, which does.
   */
  remove(name: string, account: string, version?: string): void;
  /** Records the mtime a client set after upload (sync tools compare it). */
  setMtime(name: string, mtime: number): void;
  /**
   * Keeps a refusal that happened before `commit` where an admin sees it (commit refusals are
   * kept by the folder itself). Optional: a folder without an admin list only has the log.
   */
  recordRefusal?(refusal: UploadRefusal): void;
}

/**
 * A folder that stands in front of `inner` and changes some of what it does (counts uploads,
 * reports them, routes some names elsewhere): every member not in `changes` goes to `inner` as
 * it is, with all its arguments. NB: one forwarding for every wrapper, so none can drop an
 * argument on the way (a wrapper that dropped remove's `version` let a deferred removal take a
 * newer upload).
 */
export function wrapFolder(inner: IncomingFolder, changes: Partial<IncomingFolder>): IncomingFolder {
  const forwarded: IncomingFolder = {
    name: inner.name,
    maxBytes: inner.maxBytes,
    ...(inner.readRefusal !== undefined ? { readRefusal: inner.readRefusal } : {}),
    ...(inner.maxBytesFor ? { maxBytesFor: (name: string) => inner.maxBytesFor!(name) } : {}),
    checkName: (name) => inner.checkName(name),
    list: () => inner.list(),
    stat: (name) => inner.stat(name),
    contentPath: (name) => inner.contentPath(name),
    commit: (req) => inner.commit(req),
    remove: (name, account, version) => inner.remove(name, account, version),
    setMtime: (name, mtime) => inner.setMtime(name, mtime),
    ...(inner.recordRefusal ? { recordRefusal: (refusal: UploadRefusal) => inner.recordRefusal!(refusal) } : {}),
  };
  return { ...forwarded, ...changes };
}
