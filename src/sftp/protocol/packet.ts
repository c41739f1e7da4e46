import { AppError } from '../../shared/errors.ts';
import { AttrFlag, PacketType, Status, type StatusCode } from './constants.ts';

/** File attributes as SFTP v3 carries them; absent fields were not sent. */
export interface Attrs {
  size?: number;
  uid?: number;
  gid?: number;
  permissions?: number;
  atime?: number;
  mtime?: number;
}

/** Reads the fields of one request packet; a short or malformed packet throws BAD_MESSAGE. */
export class PacketReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedPacket('offset too large');
    return Number(v);
  }

  bytes(): Buffer {
    const len = this.u32();
    this.need(len);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  string(): string {
    return this.bytes().toString('utf8');
  }

  attrs(): Attrs {
    const flags = this.u32();
    const a: Attrs = {};
    if (flags & AttrFlag.SIZE) a.size = this.u64();
    if (flags & AttrFlag.UIDGID) {
      a.uid = this.u32();
      a.gid = this.u32();
    }
    if (flags & AttrFlag.PERMISSIONS) a.permissions = this.u32();
    if (flags & AttrFlag.ACMODTIME) {
      a.atime = this.u32();
      a.mtime = this.u32();
    }
    if (flags & AttrFlag.EXTENDED) {
      const count = this.u32();
      for (let i = 0; i < count; i++) {
        this.bytes();
        this.bytes();
      }
    }
    return a;
  }

  rest(): Buffer {
    return this.buf.subarray(this.pos);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new MalformedPacket('packet too short');
  }
}

export class MalformedPacket extends AppError {
  constructor(why: string) {
    super('invalid', `malformed SFTP packet: ${why}`);
  }
}

/** Builds one reply packet: `new PacketWriter(type).u32(id)…finish()` (length prefix included). */
export class PacketWriter {
  private buf: Buffer;
  private pos = 5;

  constructor(type: number, sizeHint = 64) {
    this.buf = Buffer.allocUnsafe(Math.max(sizeHint, 16));
    this.buf[4] = type;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  u64(v: number): this {
    this.ensure(8);
    this.buf.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(v))), this.pos);
    this.pos += 8;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.u32(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  string(v: string): this {
    return this.bytes(Buffer.from(v, 'utf8'));
  }

  attrs(a: Attrs): this {
    let flags = 0;
    if (a.size !== undefined) flags |= AttrFlag.SIZE;
    if (a.uid !== undefined && a.gid !== undefined) flags |= AttrFlag.UIDGID;
    if (a.permissions !== undefined) flags |= AttrFlag.PERMISSIONS;
    if (a.atime !== undefined && a.mtime !== undefined) flags |= AttrFlag.ACMODTIME;
    this.u32(flags);
    if (a.size !== undefined) this.u64(a.size);
    if (flags & AttrFlag.UIDGID) this.u32(a.uid!).u32(a.gid!);
    if (a.permissions !== undefined) this.u32(a.permissions);
    if (flags & AttrFlag.ACMODTIME) this.u32(a.atime!).u32(a.mtime!);
    return this;
  }

  finish(): Buffer {
    this.buf.writeUInt32BE(this.pos - 4, 0);
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

export function statusPacket(id: number, code: StatusCode, message: string): Buffer {
  return new PacketWriter(PacketType.STATUS, 32 + message.length * 3).u32(id).u32(code).string(message).string('en').finish();
}

export function okPacket(id: number): Buffer {
  return statusPacket(id, Status.OK, 'OK');
}

export function handlePacket(id: number, handle: Buffer): Buffer {
  return new PacketWriter(PacketType.HANDLE).u32(id).bytes(handle).finish();
}

export function attrsPacket(id: number, attrs: Attrs): Buffer {
  return new PacketWriter(PacketType.ATTRS).u32(id).attrs(attrs).finish();
}

export interface NameEntry {
  name: string;
  longname: string;
  attrs: Attrs;
}

export function namePacket(id: number, entries: NameEntry[]): Buffer {
  const w = new PacketWriter(PacketType.NAME, 128 * (entries.length + 1)).u32(id).u32(entries.length);
  for (const e of entries) w.string(e.name).string(e.longname).attrs(e.attrs);
  return w.finish();
}
