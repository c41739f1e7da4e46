import { hashPassword } from '../shared/passwords.ts';
import { UsageError, type Command, type CommandIO } from './common.ts';

export const hashPasswordCommand: Command = {
  summary: 'read a password from stdin and print its argon2id hash for appliance.toml',
  usage: 'idphotos hash-password            (type it, or: echo -n secret | idphotos hash-password)',
  async run(args, io) {
    if (args.length) throw new UsageError(`hash-password takes no arguments (got ${args.join(' ')})`);
    const password = io.stdin.isTTY ? await promptHidden(io) : await readPiped(io.stdin);
    if (!password) throw new UsageError('the password is empty');
    io.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  },
};

async function readPiped(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  // `echo secret |` adds a newline the admin did not mean as part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(io: CommandIO): Promise<string> {
  const { stdin, stderr } = io;
  stderr.write('Password: ');
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const finish = (result: string | Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(value);
        if (ch === '\u0003') return finish(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
