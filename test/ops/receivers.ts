import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requirePython } from '../programs.ts';

/** A real HTTP receiver on 127.0.0.1:0 that keeps every JSON body posted to it. */
export interface WebhookReceiver {
  url: string;
  /** Bodies of the requests answered 2xx, in order of arrival. */
  delivered: Record<string, unknown>[];
  /** Every request that arrived, answered or not. */
  arrived: number;
  close(): Promise<void>;
}

/**
 * `answer(n)` says what the n-th request (from 1) gets: a status, or 'hang' to read it and
 * never answer (a receiver that accepts connections and then stalls).
 */
export async function startWebhookReceiver(answer: (n: number) => number | 'hang' = () => 200): Promise<WebhookReceiver> {
  const hanging: ServerResponse[] = [];
  const self: WebhookReceiver = { url: '', delivered: [], arrived: 0, close: async () => {} };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const n = ++self.arrived;
      const what = answer(n);
      if (what === 'hang') return void hanging.push(res);
      if (what >= 200 && what < 300) self.delivered.push(JSON.parse(body));
      res.writeHead(what, { 'content-type': 'text/plain' }).end(String(what));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  self.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return self;
}

/** A real SMTP server (aiosmtpd) on 127.0.0.1:0 that writes each message it accepts to a folder. */
export interface SmtpReceiver {
  port: number;
  /** With `auth`: the user names that signed in (AUTH) so far, in order. */
  logins(): string[];
  /** The messages received so far, each as `{ envelopeTo, subject, text }`, in order. */
  messages(): { envelopeFrom: string; envelopeTo: string; subject: string; text: string }[];
  close(): Promise<void>;
}

const SMTP_SERVER = `
import asyncio, itertools, os, sys
from aiosmtpd.smtp import SMTP, AuthResult
folder = sys.argv[1]
auth = len(sys.argv) > 2 and sys.argv[2] == 'auth'
counter = itertools.count(1)
def authenticator(server, session, envelope, mechanism, data):
    with open(os.path.join(folder, 'logins'), 'ab') as f:
        f.write(data.login + b'\\n')
    return AuthResult(success=True)
class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        tmp = os.path.join(folder, '.%04d.tmp' % n)
        with open(tmp, 'wb') as f:
            f.write(('X-Envelope-From: %s\\r\\nX-Envelope-To: %s\\r\\n' % (envelope.mail_from, ','.join(envelope.rcpt_tos))).encode())
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(folder, '%04d.eml' % n))
        return '250 OK'
async def main():
    loop = asyncio.get_running_loop()
    # auth: AUTH offered on a plain connection, no STARTTLS (an old relay, or what a man in the middle makes of one).
    make = (lambda: SMTP(Handler(), authenticator=authenticator, auth_require_tls=False)) if auth else (lambda: SMTP(Handler()))
    server = await loop.create_server(make, '127.0.0.1', 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
`;

/** `auth`: the server offers AUTH (any password taken) over plain text, without STARTTLS. */
export async function startSmtpReceiver(options: { auth?: boolean } = {}): Promise<SmtpReceiver> {
  const folder = mkdtempSync(join(tmpdir(), 'idphotos-smtp-'));
  const child: ChildProcess = spawn(requirePython('aiosmtpd'), ['-c', SMTP_SERVER, folder, ...(options.auth ? ['auth'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`the SMTP server exited (${code}) before listening: ${stderr}`)));
  });
  return {
    port,
    logins() {
      const file = join(folder, 'logins');
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    },
    messages() {
      return readdirSync(folder)
        .filter((n) => n.endsWith('.eml'))
        .sort()
        .map((n) => {
          const raw = readFileSync(join(folder, n), 'utf8');
          const [folded = '', ...body] = raw.split(/\r?\n\r?\n/);
          const head = folded.replace(/\r?\n[ \t]+/g, ' ');
          const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? '';
          return { envelopeFrom: header('X-Envelope-From'), envelopeTo: header('X-Envelope-To'), subject: header('Subject'), text: body.join('\n\n') };
        });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
