import ssh2 from 'ssh2';
import type { Server } from 'node:net';
import type { AppContext } from '../context.ts';
import { closeServer, listenOn } from '../shared/listen.ts';
import type { RunningServer } from '../web/server.ts';

/** The SFTP endpoint: one virtual tree per account (filled in by the SFTP layer). */
export async function startSftpServer(ctx: AppContext): Promise<RunningServer> {
  const server = new ssh2.Server({
    hostKeys: ctx.hostKeys.map((k) => k.privateKey),
    ident: 'idphotos',
  });
  server.on('connection', (client) => {
    client.on('authentication', (auth) => auth.reject());
    client.on('error', () => {});
  });
  const port = await listenOn(server as unknown as Server, ctx.config.sftp.listen, 'sftp');
  return { port, close: (graceMs) => closeServer(server as unknown as Server, graceMs) };
}
