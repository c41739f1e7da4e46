import { closeSync, constants as fsConstants, fstatSync, fsync, ftruncateSync, openSync, readSync, rmSync, statfsSync, truncateSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import type { FolderEntry, IncomingFolder } from '../domain/incoming/folder.ts';
import { AppError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { dirAttrs, fileAttrs, nameEntry } from './listing.ts';
import { MAX_OPEN_HANDLES, MAX_PACKET_BYTES, MAX_READ_BYTES, OpenFlag, PacketType, Status } from './protocol/constants.ts';
import { attrsPacket, handlePacket, namePacket, okPacket, PacketWriter, statusPacket, type Attrs, type NameEntry, type PacketReader } from './protocol/packet.ts';
import type { SftpRequestHandler } from './protocol/channel.ts';
import type { StagingArea } from './staging.ts';
import type { UploadBudget } from './budget.ts';
import { markLogged, SftpStatus, statusReply } from './status.ts';
import { isTempName } from './temp-names.ts';
import { folderPath, normalizePath, resolvePath, type FolderName, type VPath } from './vpath.ts';

export interface SessionDeps {
  folders: Record<FolderName, IncomingFolder>;
  staging: StagingArea;
  /** Handles and staged bytes every session of every account shares. */
  budget: UploadBudget;
  /** For statvfs: the filesystem uploads land on. */
  dataDir: string;
  account: string;
  remoteAddress: string;
  /** Names this upload session in /reports/ (`session-<key>.csv`). */
  session?: string;
  /** Carries conn, user and ip on every line. */
  log: Logger;
  /** Lets shutdown wait for commits in flight. */
  track<T>(work: Promise<T>): Promise<T>;
}

type FilePath = Extract<VPath, { kind: 'file' }>;

interface DirHandle {
  kind: 'dir';
  path: VPath;
  pending?: NameEntry[];
}

interface ReadHandle {
  kind: 'read';
  fd: number;
  path: FilePath;
  staged: boolean;
}

interface WriteHandle {
  kind: 'write';
  fd: number;
  path: FilePath;
  /** A temporary name: bytes live in staging and stay there at CLOSE. */
  staged: boolean;
  /** Where the bytes are: the staged file, or a private upload file committed at CLOSE. */
  file: string;
  append: boolean;
  size: number;
  /** Anything to commit: new bytes, a truncation or a new file. */
  dirty: boolean;
  mtime?: number;
  refused?: AppError;
  /**
   * A stored file this upload starts from (read+write without TRUNC), copied in only when
   * the client first changes the file: an open that only reads or closes costs no copy.
   */
  base?: string;
  /** The copy of `base` (or an fsync) under way; requests on this handle wait for it, in order. */
  ready?: Promise<void>;
  /** The bytes began as a copy of a stored file: not this client's own to read back. */
  fromStored: boolean;
}

type Handle = DirHandle | ReadHandle | WriteHandle;

const READDIR_BATCH = 100;

/**
 * One SFTP session of one account: the virtual tree `/incoming/{idphotos,data}/` over the
 * incoming folders and this account's staging area. Every operation follows one recipe:
 * resolve the virtual path → check what is allowed there → call the folder or staging →
 * map errors in status.ts. Uploads to a final name commit at CLOSE; uploads to a temporary
 * name (`*.filepart`, …) stay staged until a RENAME to the final name commits them.
 */
export class SftpSession implements SftpRequestHandler {
  private readonly handles = new Map<string, Handle>();
  /** Gives each handle back to the shared budget. */
  private readonly releases = new Map<string, () => void>();
  private nextHandle = 1;
  /**
   * Final names this session removed while it holds a staged upload for them (WinSCP:
   * REMOVE S1.jpg, then RENAME S1.jpg.filepart → S1.jpg). They are hidden rather than
   * removed, so the stored photo stays until the rename replaces it in one step; a removal
   * still pending when the session ends is carried out then.
   */
  private readonly hidden = new Map<string, string | undefined>();
  private readonly started = Math.floor(Date.now() / 1000);
  /** Files committed and refused, for the one log line per SSH session. */
  readonly stats = { committed: 0, refused: 0, bytes: 0 };

  constructor(private readonly deps: SessionDeps) {}

  request(type: number, id: number, r: PacketReader): Buffer | Promise<Buffer> {
    try {
      const reply = this.dispatch(type, id, r);
      if (Buffer.isBuffer(reply)) return reply;
      return reply.catch((err: unknown) => statusReply(id, err, this.deps.log, opName(type)));
    } catch (err) {
      return statusReply(id, err, this.deps.log, opName(type));
    }
  }

  closed(): void {
    for (const h of this.handles.values()) this.abandon(h);
    this.handles.clear();
    for (const release of this.releases.values()) release();
    this.releases.clear();
    for (const [key, version] of this.hidden) {
      const [folder, name] = splitKey(key);
      try {
        // Only the version this session removed: a newer upload (another session's) stays.
        this.deps.folders[folder].remove(name, this.deps.account, version);
        this.deps.log.info({ folder, file: name }, 'file removed');
      } catch (err) {
        this.deps.log.warn({ folder, file: name, reason: err instanceof AppError ? err.message : String(err) }, 'pending removal not carried out');
      }
    }
    this.hidden.clear();
  }

  // NB: every handler reads all its fields before its first await: the packet buffer is
  // only guaranteed until the next packet arrives.
  private dispatch(type: number, id: number, r: PacketReader): Buffer | Promise<Buffer> {
    switch (type) {
      case PacketType.OPEN:
        return handlePacket(id, this.open(r.string(), r.u32(), r.attrs()));
      case PacketType.CLOSE: {
        const handle = r.bytes();
        return this.afterBase(handle, () => this.close(handle).then(() => okPacket(id)));
      }
      case PacketType.READ: {
        const handle = r.bytes();
        const offset = r.u64();
        const length = r.u32();
        return this.afterBase(handle, () => this.read(id, handle, offset, length));
      }
      case PacketType.WRITE: {
        const handle = r.bytes();
        const offset = r.u64();
        const data = r.bytes();
        return this.afterBase(handle, () => this.write(handle, offset, data, () => okPacket(id)));
      }
      case PacketType.FSTAT: {
        const handle = r.bytes();
        return this.afterBase(handle, () => attrsPacket(id, this.fstat(handle)));
      }
      case PacketType.STAT:
      case PacketType.LSTAT:
        return attrsPacket(id, this.stat(r.string()));
      case PacketType.SETSTAT:
        this.setstat(r.string(), r.attrs());
        return okPacket(id);
      case PacketType.FSETSTAT: {
        const handle = r.bytes();
        const attrs = r.attrs();
        return this.afterBase(handle, () => this.fsetstat(handle, attrs, () => okPacket(id)));
      }
      case PacketType.OPENDIR:
        return handlePacket(id, this.opendir(r.string()));
      case PacketType.READDIR:
        return this.readdir(id, r.bytes());
      case PacketType.REMOVE:
        this.remove(r.string());
        return okPacket(id);
      case PacketType.MKDIR:
        return this.refuseFolderChange(r.string(), 'created');
      case PacketType.RMDIR:
        return this.refuseFolderChange(r.string(), 'removed');
      case PacketType.REALPATH: {
        const p = normalizePath(r.string());
        return namePacket(id, [{ name: p, longname: p, attrs: {} }]);
      }
      case PacketType.RENAME:
        return this.rename(r.string(), r.string(), false).then(() => okPacket(id));
      case PacketType.READLINK:
      case PacketType.SYMLINK:
        throw new SftpStatus(Status.OP_UNSUPPORTED, 'symbolic links are not supported here');
      case PacketType.EXTENDED:
        return this.extended(id, r.string(), r);
      default:
        throw new SftpStatus(Status.OP_UNSUPPORTED, `SFTP request type ${type} is not supported`);
    }
  }

  private extended(id: number, name: string, r: PacketReader): Buffer | Promise<Buffer> {
    switch (name) {
      case 'posix-rename@openssh.com':
        return this.rename(r.string(), r.string(), true).then(() => okPacket(id));
      case 'statvfs@openssh.com':
        this.filePathOrFolder(r.string());
        return this.statvfs(id);
      case 'fstatvfs@openssh.com':
        this.handle(r.bytes());
        return this.statvfs(id);
      case 'fsync@openssh.com': {
        const handle = r.bytes();
        return this.afterBase(handle, () => this.fsync(handle, () => okPacket(id)));
      }
      case 'limits@openssh.com':
        return new PacketWriter(PacketType.EXTENDED_REPLY)
          .u32(id)
          .u64(MAX_PACKET_BYTES)
          .u64(MAX_READ_BYTES)
          .u64(MAX_READ_BYTES)
          .u64(MAX_OPEN_HANDLES)
          .finish();
      case 'lsetstat@openssh.com':
        this.setstat(r.string(), r.attrs());
        return okPacket(id);
      default:
        throw new SftpStatus(Status.OP_UNSUPPORTED, `extension ${name} is not supported`);
    }
  }

  // --- files -------------------------------------------------------------------------

  private open(raw: string, flags: number, _attrs: Attrs): Buffer {
    const path = this.filePath(raw);
    if (this.handles.size >= MAX_OPEN_HANDLES) throw new AppError('unavailable', `too many open files in one session (limit ${MAX_OPEN_HANDLES})`);
    const release = this.deps.budget.openHandle(this.deps.account);
    try {
      const writing = (flags & (OpenFlag.WRITE | OpenFlag.APPEND)) !== 0;
      return this.addHandle(writing ? this.openWrite(path, flags) : this.openRead(path), release);
    } catch (err) {
      release();
      throw err;
    }
  }

  private openRead(path: FilePath): ReadHandle {
    const staged = isTempName(path.name);
    const refusal = staged ? undefined : this.deps.folders[path.folder].readRefusal;
    if (refusal && this.visible(path)) throw this.refuseRead(path, refusal);
    const file = staged
      ? this.deps.staging.stat(this.deps.account, path.folder, path.name) && this.deps.staging.path(this.deps.account, path.folder, path.name)
      : this.visible(path) && this.deps.folders[path.folder].contentPath(path.name);
    if (!file) throw notFound(path);
    return { kind: 'read', fd: openSync(file, 'r'), path, staged };
  }

  private openWrite(path: FilePath, flags: number): WriteHandle {
    const { staging, account } = this.deps;
    const staged = isTempName(path.name);
    if (staged) staging.checkTempName(path.name);
    else this.checkFinalName(path);
    const existing = staged ? staging.stat(account, path.folder, path.name) : this.visible(path);
    if (existing && flags & OpenFlag.EXCL) throw new AppError('conflict', `${path.path} already exists`);
    if (!existing && !(flags & OpenFlag.CREAT)) throw notFound(path);
    const truncate = (flags & OpenFlag.TRUNC) !== 0;
    const append = (flags & OpenFlag.APPEND) !== 0;
    if (staged) {
      const file = staging.prepare(account, path.folder, path.name);
      const size = existing && !truncate ? existing.size : 0;
      // Charged before the file exists: a refused new file leaves nothing on disk.
      this.chargeBytes(file, size);
      const fd = openSync(file, existing && !truncate ? 'r+' : 'w+');
      return { kind: 'write', fd, path, staged, file, append, size, dirty: !existing || truncate, fromStored: false };
    }
    // A direct upload never touches the stored file: it is built privately and committed at
    // CLOSE. Without TRUNC the client may rewrite parts (reput, resume), so it starts from
    // the stored bytes, copied in when the client first changes something.
    const file = staging.newUploadPath();
    const fd = openSync(file, 'w+');
    // NB: a delivery zip is listed but not kept: a resume of one starts over.
    const keep = existing && !truncate && this.deps.folders[path.folder].contentPath(path.name) !== undefined;
    return {
      kind: 'write',
      fd,
      path,
      staged,
      file,
      append,
      size: keep ? existing.size : 0,
      dirty: !keep,
      base: keep ? this.deps.folders[path.folder].contentPath(path.name) : undefined,
      fromStored: !!keep,
    };
  }

  /**
   * Runs a request on `handle` once the stored bytes it starts from are in place; requests
   * on other handles are not held up.
   */
  private afterBase(handle: Buffer, fn: () => Buffer | Promise<Buffer>): Buffer | Promise<Buffer> {
    const h = this.handles.get(handle.toString('latin1'));
    return h?.kind === 'write' && h.ready ? h.ready.then(fn) : fn();
  }

  /** Copies the stored bytes in before the first change (charged to the account's budget). */
  private withBase(h: WriteHandle, fn: () => Buffer): Buffer | Promise<Buffer> {
    if (!h.base || h.refused) return fn();
    const base = h.base;
    h.base = undefined;
    try {
      this.chargeBytes(h.file, h.size);
    } catch (err) {
      this.refuseHandle(h, err as AppError);
      throw err;
    }
    // NB: copyFile reopens the upload file by name and truncates it; the handle's fd stays on
    // the same inode. A copy-on-write clone where the filesystem can; off the event loop.
    h.ready = copyFile(base, h.file, fsConstants.COPYFILE_FICLONE).then(
      () => {
        h.ready = undefined;
        // The session ended while the copy ran: the upload was dropped, so is the copy.
        if (h.fd === -1) rmSync(h.file, { force: true });
      },
      (err: unknown) => {
        h.ready = undefined;
        this.failWrite(h, err);
      },
    );
    return h.ready.then(() => {
      if (h.refused) throw h.refused;
      return fn();
    });
  }

  private write(handle: Buffer, offset: number, data: Buffer, reply: () => Buffer): Buffer | Promise<Buffer> {
    const h = this.writeHandle(handle);
    if (h.refused) throw h.refused;
    return this.withBase(h, () => {
      this.writeBytes(h, offset, data);
      return reply();
    });
  }

  private writeBytes(h: WriteHandle, offset: number, data: Buffer): void {
    const at = h.append ? h.size : offset;
    const end = at + data.length;
    const max = this.maxBytes(h.path);
    if (end > max) {
      h.refused = new AppError('too_large', `${h.path.name} is larger than ${formatBytes(max)}, the limit for ${folderPath(h.path.folder)}; nothing was stored`);
      this.discard(h);
      this.refuseUpload(h.path, end, h.refused);
      throw h.refused;
    }
    if (end > h.size) {
      try {
        this.chargeBytes(h.file, end);
      } catch (err) {
        this.refuseHandle(h, err as AppError);
        throw err;
      }
    }
    let done = 0;
    try {
      while (done < data.length) done += writeSync(h.fd, data, done, data.length - done, at + done);
    } catch (err) {
      this.failWrite(h, err);
      throw err;
    }
    if (end > h.size) h.size = end;
    h.dirty = true;
  }

  /**
   * NB: a failed write (ENOSPC) poisons the handle: clients still send CLOSE, which would
   * otherwise commit the bytes written so far, a truncated roster included (found by the
   * full-disk test).
   */
  private failWrite(h: WriteHandle, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    h.refused = new AppError(
      'unavailable',
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'the appliance is out of disk space; nothing was stored (tell the district IT admin)'
        : `${h.path.name} could not be written on the appliance; nothing was stored`,
    );
    this.discard(h);
    this.refuseUpload(h.path, h.size, h.refused);
  }

  /** A budget refusal: the upload is dropped (nothing half-written is kept) and logged. */
  private refuseHandle(h: WriteHandle, err: AppError): void {
    h.refused = err;
    this.discard(h);
    this.refuseUpload(h.path, h.size, err);
  }

  /** Charges what `file` now holds; a refusal (AppError) changes nothing. */
  private chargeBytes(file: string, size: number): void {
    this.deps.budget.charge(this.deps.account, file, size);
  }

  private read(id: number, handle: Buffer, offset: number, length: number): Buffer {
    const h = this.handle(handle);
    if (h.kind === 'dir') throw new AppError('invalid', 'this handle is a folder; use READDIR');
    if (h.kind === 'write') {
      // A handle returns only what its own client wrote: an upload that began as a copy of a
      // stored file in a folder that is never read back (data) reads nothing of it.
      const refusal = this.deps.folders[h.path.folder].readRefusal;
      if (refusal && h.fromStored) throw this.refuseRead(h.path, refusal);
      if (h.refused) throw h.refused;
    }
    const len = Math.min(length, MAX_READ_BYTES);
    const packet = Buffer.allocUnsafe(13 + len);
    // Not yet changed: the bytes are still only the stored file's.
    const base = h.kind === 'write' && h.base ? openSync(h.base, 'r') : undefined;
    let n: number;
    try {
      n = readSync(base ?? h.fd, packet, 13, len, offset);
    } finally {
      if (base !== undefined) closeSync(base);
    }
    if (n === 0) return statusPacket(id, Status.EOF, 'end of file');
    packet.writeUInt32BE(9 + n, 0);
    packet[4] = PacketType.DATA;
    packet.writeUInt32BE(id, 5);
    packet.writeUInt32BE(n, 9);
    return packet.subarray(0, 13 + n);
  }

  /**
   * fsync@openssh.com (`put -f`). A file under a temporary name outlives the connection and a
   * restart (a resume continues it), so its bytes are fsynced, in the thread pool; requests on the
   * handle wait for it. A direct upload to a final name is made durable by its CLOSE, before the
   * reply, and its private bytes are dropped at the next start if it never closes: an fsync now
   * would change nothing a client can see after a power cut, so none is done.
   */
  private fsync(handle: Buffer, reply: () => Buffer): Buffer | Promise<Buffer> {
    const h = this.handle(handle);
    if (h.kind !== 'write' || !h.staged || h.refused || h.fd === -1) return reply();
    const synced: Promise<void> = new Promise<void>((resolve, reject) => fsync(h.fd, (err) => (err ? reject(err) : resolve()))).finally(() => {
      if (h.ready === synced) h.ready = undefined;
    });
    h.ready = synced;
    return synced.then(reply);
  }

  private async close(handle: Buffer): Promise<void> {
    const key = handle.toString('latin1');
    const h = this.handle(handle);
    this.handles.delete(key);
    this.releases.get(key)?.();
    this.releases.delete(key);
    if (h.kind === 'dir') return;
    if (h.kind === 'write' && h.refused) throw h.refused; // its file is already closed and gone
    closeSync(h.fd);
    if (h.kind === 'read') return;
    if (h.staged) {
      if (h.mtime !== undefined) utimesSync(h.file, h.mtime, h.mtime);
      return;
    }
    if (!h.dirty) {
      this.deps.budget.release(h.file);
      unlinkSync(h.file);
      if (h.mtime !== undefined) this.deps.folders[h.path.folder].setMtime(h.path.name, h.mtime);
      return;
    }
    await this.commit(h.path, h.file, h.size, h.mtime);
  }

  /** Every refused read is logged with the file, the account and why. */
  private refuseRead(path: FilePath, refusal: string): AppError {
    const err = new AppError('forbidden', `${path.name}: ${refusal}`);
    this.deps.log.warn({ folder: path.folder, file: path.name, account: this.deps.account, outcome: 'refused', reason: err.message }, 'read refused');
    markLogged(err);
    return err;
  }

  private async commit(path: FilePath, tempPath: string, size: number, mtime?: number): Promise<void> {
    const { account, remoteAddress } = this.deps;
    // Once handed to the folder the bytes are the store's (or gone): no longer staged.
    this.deps.budget.release(tempPath);
    try {
      await this.deps.track(this.deps.folders[path.folder].commit({ tempPath, name: path.name, size, account, remoteAddress, mtime, session: this.deps.session }));
    } catch (err) {
      this.logFile(path, size, 'refused', err instanceof AppError ? err.message : String(err));
      markLogged(err);
      throw err;
    } finally {
      // A refused replacement also cancels the removal it followed: the stored file stays.
      this.hidden.delete(hiddenKey(path));
    }
    this.logFile(path, size, 'committed');
  }

  // --- attributes ----------------------------------------------------------------------

  private fstat(handle: Buffer): Attrs {
    const h = this.handle(handle);
    if (h.kind === 'dir') return dirAttrs(this.started);
    if (h.kind === 'read' && !h.staged) {
      const e = this.deps.folders[h.path.folder].stat(h.path.name);
      if (e) return fileAttrs(e);
    }
    if (h.kind === 'write') return fileAttrs({ name: h.path.name, size: h.size, mtime: h.mtime ?? Math.floor(Date.now() / 1000) });
    const st = fstatSync(h.fd);
    return fileAttrs({ name: h.path.name, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) });
  }

  private stat(raw: string): Attrs {
    const path = resolvePath(raw);
    if (path.kind === 'nowhere') throw new AppError('not_found', path.why);
    if (path.kind !== 'file') return dirAttrs(this.started);
    const e = this.entry(path) ?? this.pendingUpload(path);
    if (!e) throw notFound(path);
    return fileAttrs(e);
  }

  /**
   * A direct upload this session has open: it sees its own file while writing it (sshfs
   * checks with LSTAT right after OPEN … CREAT); other sessions see it once committed.
   */
  private pendingUpload(path: FilePath): FolderEntry | undefined {
    const h = this.openUpload(path);
    return h && { name: path.name, size: h.size, mtime: h.mtime ?? Math.floor(Date.now() / 1000) };
  }

  private openUpload(path: FilePath): WriteHandle | undefined {
    for (const h of this.handles.values()) {
      if (h.kind === 'write' && !h.staged && !h.refused && h.path.path === path.path) return h;
    }
    return undefined;
  }

  private setstat(raw: string, attrs: Attrs): void {
    const path = this.filePathOrFolder(raw);
    if (path.kind !== 'file') return; // folder permissions and times are fixed; accepted and ignored
    const { staging, account } = this.deps;
    if (isTempName(path.name)) {
      if (!staging.stat(account, path.folder, path.name)) throw notFound(path);
      const file = staging.path(account, path.folder, path.name);
      if (attrs.size !== undefined) {
        this.checkSize(path, attrs.size);
        this.chargeBytes(file, attrs.size);
        truncateSync(file, attrs.size);
      }
      if (attrs.mtime !== undefined) utimesSync(file, attrs.atime ?? attrs.mtime, attrs.mtime);
      return;
    }
    const upload = this.openUpload(path);
    if (upload) return this.setUploadAttrs(upload, attrs); // sshfs: utimens while the file is open
    const e = this.visible(path);
    if (!e) throw notFound(path);
    if (attrs.size !== undefined && attrs.size !== e.size) {
      throw new AppError('invalid', `the size of a stored file cannot be changed; upload ${path.name} again instead`);
    }
    if (attrs.mtime !== undefined) this.deps.folders[path.folder].setMtime(path.name, attrs.mtime);
  }

  private fsetstat(handle: Buffer, attrs: Attrs, reply: () => Buffer): Buffer | Promise<Buffer> {
    const h = this.handle(handle);
    if (h.kind === 'dir') return reply();
    if (h.kind === 'read') {
      if (attrs.mtime !== undefined && !h.staged) this.deps.folders[h.path.folder].setMtime(h.path.name, attrs.mtime);
      return reply();
    }
    if (h.refused) throw h.refused;
    const resizing = attrs.size !== undefined && attrs.size !== h.size;
    if (!resizing) {
      this.setUploadAttrs(h, attrs);
      return reply();
    }
    return this.withBase(h, () => {
      this.setUploadAttrs(h, attrs);
      return reply();
    });
  }

  private setUploadAttrs(h: WriteHandle, attrs: Attrs): void {
    if (h.refused) throw h.refused;
    if (attrs.size !== undefined && attrs.size !== h.size) {
      this.checkSize(h.path, attrs.size);
      if (h.base) throw new AppError('invalid', `${h.path.name}: write to the file before changing its size`);
      this.chargeBytes(h.file, attrs.size);
      ftruncateSync(h.fd, attrs.size);
      h.size = attrs.size;
      h.dirty = true;
    }
    if (attrs.mtime !== undefined) h.mtime = attrs.mtime;
  }

  private checkSize(path: FilePath, size: number): void {
    const max = this.maxBytes(path);
    if (size > max) throw new AppError('too_large', `${path.name} cannot be larger than ${formatBytes(max)}, the limit for ${folderPath(path.folder)}`);
  }

  private maxBytes(path: FilePath): number {
    const folder = this.deps.folders[path.folder];
    return folder.maxBytesFor?.(path.name) ?? folder.maxBytes;
  }

  // --- folders -------------------------------------------------------------------------

  private opendir(raw: string): Buffer {
    const path = resolvePath(raw);
    if (path.kind === 'nowhere') throw new AppError('not_found', path.why);
    if (path.kind === 'file') {
      if (this.entry(path)) throw new AppError('invalid', `${path.path} is a file, not a folder`);
      throw notFound(path);
    }
    return this.addHandle({ kind: 'dir', path }, this.deps.budget.openHandle(this.deps.account));
  }

  private readdir(id: number, handle: Buffer): Buffer {
    const h = this.handle(handle);
    if (h.kind !== 'dir') throw new AppError('invalid', 'this handle is a file; use READ');
    h.pending ??= this.listing(h.path);
    if (h.pending.length === 0) return statusPacket(id, Status.EOF, 'end of folder');
    return namePacket(id, h.pending.splice(0, READDIR_BATCH));
  }

  private listing(path: VPath): NameEntry[] {
    const owner = this.deps.account;
    const dir = (name: string) => nameEntry(name, dirAttrs(this.started), owner);
    if (path.kind === 'root') return [dir('incoming'), dir('reports')];
    if (path.kind === 'incoming') return [dir('idphotos'), dir('data')];
    if (path.kind !== 'folder') return [];
    const stored = this.deps.folders[path.folder].list().filter((e) => !this.hidden.has(`${path.folder}/${e.name}`));
    const staged = this.deps.staging.list(this.deps.account, path.folder);
    return [...stored, ...staged].map((e) => nameEntry(e.name, fileAttrs(e), owner));
  }

  private refuseFolderChange(raw: string, what: 'created' | 'removed'): never {
    const path = resolvePath(raw);
    if (path.kind === 'file' || path.kind === 'nowhere') {
      const inFolder = path.kind === 'file' || path.path.startsWith('/incoming/idphotos/') || path.path.startsWith('/incoming/data/');
      if (inFolder) {
        const folder = path.path.startsWith('/incoming/data/') ? 'data' : 'idphotos';
        // A picture-day package is one zip: folders of a package are not read as a delivery.
        const hint = folder === 'idphotos' ? ' (a picture-day package with INDEX.TXT or idlink.txt: upload it as one .zip)' : '';
        throw new AppError('forbidden', `subfolders cannot be ${what} in ${folderPath(folder)}: they are not searched; put files directly in ${folderPath(folder)}${hint}`);
      }
    }
    if (what === 'created' && path.kind !== 'nowhere') throw new AppError('conflict', `${path.path} already exists`);
    throw new AppError('forbidden', `folders cannot be ${what} here: the layout is fixed (/incoming/idphotos/ and /incoming/data/)`);
  }

  // --- remove and rename ---------------------------------------------------------------

  private remove(raw: string): void {
    const path = this.filePath(raw);
    const { staging, account, folders } = this.deps;
    if (isTempName(path.name)) {
      if (!staging.stat(account, path.folder, path.name)) throw notFound(path);
      staging.remove(account, path.folder, path.name);
      this.deps.budget.release(staging.path(account, path.folder, path.name));
      return;
    }
    const stored = this.visible(path);
    if (!stored) throw notFound(path);
    if (staging.hasTempFor(account, path.folder, path.name)) {
      this.hidden.set(hiddenKey(path), stored.version);
      return;
    }
    folders[path.folder].remove(path.name, account, stored.version);
    this.deps.log.info({ folder: path.folder, file: path.name }, 'file removed');
  }

  /** Plain RENAME refuses an existing target (SFTP v3, OpenSSH); posix-rename replaces it. */
  private async rename(fromRaw: string, toRaw: string, replace: boolean): Promise<void> {
    const from = this.filePath(fromRaw);
    const to = this.filePath(toRaw);
    if (from.path === to.path) return;
    const { staging, account, folders } = this.deps;
    const fromStaged = isTempName(from.name);
    const toStaged = isTempName(to.name);
    const source = this.entry(from);
    if (!source) throw notFound(from);
    if (this.entry(to) && !replace) {
      throw new AppError('conflict', `${to.path} already exists: remove it first, or use posix-rename, which replaces it`);
    }
    if (toStaged) {
      if (!fromStaged) throw new AppError('invalid', `${from.path} is a stored file; it cannot be renamed to a temporary name`);
      staging.checkTempName(to.name);
      staging.move(account, from, to);
      this.deps.budget.move(staging.path(account, from.folder, from.name), staging.path(account, to.folder, to.name));
      return;
    }
    this.checkFinalName(to);
    if (fromStaged) {
      await this.commit(to, staging.path(account, from.folder, from.name), source.size, source.mtime);
      return;
    }
    // NB: checked before the copy is committed: /reports/ refuses the removal only after it.
    if (from.folder === 'reports') {
      throw new AppError('forbidden', `${from.path} cannot be moved: /reports/ is read-only; get it, and upload a file of your own to /incoming/data/ if you mean to`);
    }
    // A stored file never leaves a folder whose files are not read back: in another folder
    // it would be readable.
    if (from.folder !== to.folder && folders[from.folder].readRefusal) {
      throw this.refuseRead(from, `it cannot be moved out of ${folderPath(from.folder)}`);
    }
    // A stored file under a new name: commit a copy, then take the old name out.
    const copy = staging.newUploadPath();
    this.chargeBytes(copy, source.size);
    try {
      await copyFile(folders[from.folder].contentPath(from.name)!, copy, fsConstants.COPYFILE_FICLONE);
    } catch (err) {
      this.deps.budget.release(copy);
      unlinkSync(copy);
      throw err;
    }
    await this.commit(to, copy, source.size, source.mtime);
    // The name the copy came from, unless another session replaced it meanwhile.
    folders[from.folder].remove(from.name, account, source.version);
  }

  // --- helpers -------------------------------------------------------------------------

  private statvfs(id: number): Buffer {
    const s = statfsSync(this.deps.dataDir);
    const w = new PacketWriter(PacketType.EXTENDED_REPLY, 128).u32(id);
    // bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax
    for (const v of [s.bsize, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree, s.ffree, 0, 0, 255]) w.u64(v);
    return w.finish();
  }

  private filePath(raw: string): FilePath {
    const path = resolvePath(raw);
    if (path.kind === 'file') return path;
    if (path.kind === 'nowhere') throw new AppError('not_found', path.why);
    throw new AppError('invalid', `${path.path} is a folder`);
  }

  private filePathOrFolder(raw: string): VPath {
    const path = resolvePath(raw);
    if (path.kind === 'nowhere') throw new AppError('not_found', path.why);
    return path;
  }

  /** The stored entry as this session sees it (hidden removals excluded). */
  private visible(path: FilePath): FolderEntry | undefined {
    if (this.hidden.has(hiddenKey(path))) return undefined;
    return this.deps.folders[path.folder].stat(path.name);
  }

  private entry(path: FilePath): FolderEntry | undefined {
    return isTempName(path.name) ? this.deps.staging.stat(this.deps.account, path.folder, path.name) : this.visible(path);
  }

  private addHandle(h: Handle, release: () => void): Buffer {
    const buf = Buffer.allocUnsafe(4);
    buf.writeUInt32BE(this.nextHandle++);
    this.handles.set(buf.toString('latin1'), h);
    this.releases.set(buf.toString('latin1'), release);
    return buf;
  }

  private handle(buf: Buffer): Handle {
    const h = this.handles.get(buf.toString('latin1'));
    if (!h) throw new AppError('invalid', 'unknown or closed handle');
    return h;
  }

  private writeHandle(buf: Buffer): WriteHandle {
    const h = this.handle(buf);
    if (h.kind !== 'write') throw new SftpStatus(Status.PERMISSION_DENIED, 'this file was opened for reading only');
    return h;
  }

  /** Drops an upload's private bytes (a refused or abandoned direct upload). */
  private discard(h: WriteHandle): void {
    try {
      closeSync(h.fd);
    } catch {
      // already closed
    }
    h.fd = -1;
    if (!h.staged || h.refused) {
      this.deps.budget.release(h.file);
      try {
        unlinkSync(h.file);
      } catch {
        // already gone
      }
    }
  }

  /** The session ended with this handle open: a direct upload was never completed. */
  private abandon(h: Handle): void {
    if (h.kind === 'dir') return;
    if (h.kind === 'read') return closeSync(h.fd);
    if (h.fd === -1) return;
    this.discard(h);
    if (!h.staged && h.dirty) this.logFile(h.path, h.size, 'discarded', 'the connection ended before the upload was closed');
  }

  /** Checks a final (not temporary) name in its folder; a refusal is logged and kept for the admin. */
  private checkFinalName(path: FilePath): void {
    try {
      this.deps.folders[path.folder].checkName(path.name);
    } catch (err) {
      if (err instanceof AppError) this.refuseUpload(path, 0, err);
      throw err;
    }
  }

  /** A refusal before commit: one log line, and an entry in the admin's list where the folder keeps one. */
  private refuseUpload(path: FilePath, bytes: number, err: AppError): void {
    this.logFile(path, bytes, 'refused', err.message);
    markLogged(err);
    const { account, remoteAddress } = this.deps;
    try {
      this.deps.folders[path.folder].recordRefusal?.({ name: path.name, account, remoteAddress, bytes, reason: err.message, code: err.code, session: this.deps.session });
    } catch (recordErr) {
      // A full disk refuses the database write too; the refusal is still in the log above.
      this.deps.log.error({ err: recordErr, file: path.name }, 'could not add the refusal to the admin list');
    }
  }

  private logFile(path: FilePath, bytes: number, outcome: 'committed' | 'refused' | 'discarded', reason?: string): void {
    if (outcome === 'committed') {
      this.stats.committed++;
      this.stats.bytes += bytes;
      this.deps.log.info({ folder: path.folder, file: path.name, bytes, outcome }, 'upload committed');
    } else {
      if (outcome === 'refused') this.stats.refused++;
      this.deps.log.warn({ folder: path.folder, file: path.name, bytes, outcome, reason }, `upload ${outcome}`);
    }
  }
}

function notFound(path: FilePath): AppError {
  return new AppError('not_found', `no such file: ${path.path}`);
}

function hiddenKey(path: FilePath): string {
  return `${path.folder}/${path.name}`;
}

function splitKey(key: string): [FolderName, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i) as FolderName, key.slice(i + 1)];
}

function formatBytes(n: number): string {
  const mb = n / (1024 * 1024);
  return mb >= 1 ? `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB` : `${n} bytes`;
}

const OP_NAMES = Object.fromEntries(Object.entries(PacketType).map(([k, v]) => [v, k.toLowerCase()]));
function opName(type: number): string {
  return OP_NAMES[type] ?? `type-${type}`;
}
