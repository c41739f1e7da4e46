import type { Duplex } from 'node:stream';
import { MAX_INCOMING_PACKET_BYTES, PacketType, SFTP_VERSION, EXTENSIONS } from './constants.ts';
import { PacketReader, PacketWriter } from './packet.ts';

/** What the packet layer needs from a session: one reply per request, and notice of the end. */
export interface SftpRequestHandler {
  /** Must not throw; a refusal is a STATUS reply. */
  request(type: number, id: number, reader: PacketReader): Buffer | Promise<Buffer>;
  /** The channel is gone (client EOF, close or a transport error); called once. */
  closed(): void;
}

/**
 * SFTP v3 framing on an SSH session channel. Our own layer rather than ssh2's built-in one
 * because ssh2 sends a VERSION without extensions and cannot send EXTENDED_REPLY (see
 * README, "SFTP design"). Requests are dispatched in arrival order; a handler that finishes
 * synchronously has done its work before the next request starts, which keeps WRITE → CLOSE
 * on one handle in order without a queue.
 */
export function serveSftpChannel(channel: Duplex, handler: SftpRequestHandler, onActivity: () => void): void {
  const chunks: Buffer[] = [];
  let buffered = 0;
  let initialized = false;
  let inFlight = 0;
  let clientDone = false;
  let finished = false;
  let blocked = false;

  // A client that queues READs faster than it takes the data would otherwise make us buffer
  // without limit: stop reading requests until the channel drains.
  const send = (packet: Buffer) => {
    if (finished || !channel.writable) return;
    if (!channel.write(packet) && !blocked) {
      blocked = true;
      channel.pause();
      channel.once('drain', () => {
        blocked = false;
        channel.resume();
        pump();
      });
    }
  };

  const finish = () => {
    if (finished) return;
    finished = true;
    handler.closed();
  };

  // NB: OpenSSH's sftp waits for the server to close the channel after it sends EOF; without
  // this it hangs at exit.
  const closeWhenIdle = () => {
    if (!clientDone || inFlight > 0) return;
    channel.end();
    (channel as Duplex & { close?: () => void }).close?.();
    finish();
  };

  const take = (n: number): Buffer => {
    let out: Buffer;
    if (chunks[0]!.length >= n) {
      out = chunks[0]!.subarray(0, n);
      if (chunks[0]!.length === n) chunks.shift();
      else chunks[0] = chunks[0]!.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = chunks[0]!;
        const k = Math.min(c.length, n - off);
        c.copy(out, off, 0, k);
        off += k;
        if (k === c.length) chunks.shift();
        else chunks[0] = c.subarray(k);
      }
    }
    buffered -= n;
    return out;
  };

  const peekLength = (): number => {
    const c = chunks[0]!;
    if (c.length >= 4) return c.readUInt32BE(0);
    const head = Buffer.concat(chunks.slice(0, 4)).subarray(0, 4);
    return head.readUInt32BE(0);
  };

  const onPacket = (payload: Buffer) => {
    const type = payload[0]!;
    if (!initialized) {
      if (type !== PacketType.INIT) return protocolError();
      initialized = true;
      const w = new PacketWriter(PacketType.VERSION, 256).u32(SFTP_VERSION);
      for (const [name, data] of EXTENSIONS) w.string(name).string(data);
      return send(w.finish());
    }
    if (payload.length < 5) return protocolError();
    const id = payload.readUInt32BE(1);
    const reply = handler.request(type, id, new PacketReader(payload.subarray(5)));
    if (Buffer.isBuffer(reply)) return send(reply);
    inFlight++;
    reply.then(send).finally(() => {
      inFlight--;
      closeWhenIdle();
    });
  };

  const protocolError = () => {
    chunks.length = 0;
    buffered = 0;
    channel.destroy();
    finish();
  };

  const pump = () => {
    while (buffered >= 4 && !finished && !blocked) {
      const len = peekLength();
      if (len < 1 || len > MAX_INCOMING_PACKET_BYTES) return protocolError();
      if (buffered < 4 + len) return;
      onPacket(take(4 + len).subarray(4));
    }
  };

  channel.on('data', (chunk: Buffer) => {
    onActivity();
    chunks.push(chunk);
    buffered += chunk.length;
    pump();
  });
  channel.on('end', () => {
    clientDone = true;
    closeWhenIdle();
  });
  channel.on('close', finish);
  channel.on('error', finish);
}
