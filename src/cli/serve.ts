import { parseArgs } from 'node:util';
import { configureLogging } from '../shared/logger.ts';
import { prepareNativeRuntime } from '../native/runtime.ts';
import { closeLogFile, openLogFile } from '../shared/log-file.ts';
import { CONFIG_OPTION, configFromArgs, type Command } from './common.ts';
import { selfCommand } from './self-command.ts';

const SHUTDOWN_MS = 10_000;

export const serveCommand: Command = {
  summary: 'run the appliance (SFTP endpoint and web viewer); the default command',
  usage: 'idphotos serve [--config FILE]',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { config: CONFIG_OPTION } });
    const config = configFromArgs(values.config);
    const logFile = config.log.file ? openLogFile(config.log) : undefined;
    const log = configureLogging(config.log.level, logFile);
    prepareNativeRuntime(config);
    // NB: imported here, not at the top, so that --version, check-config and hash-password never
    // load native libraries (in the executable those are unpacked to a folder the config names).
    const { createApp } = await import('../app.ts');
    const app = await createApp(config, { selfCommand: selfCommand() });
    for (const cred of app.generated) {
      // Shown once: only the hash is kept. NB: written to the console, never to the log.
      io.stderr.write(
        `\n  First start: created the ${cred.service.toUpperCase()} account "${cred.username}" with password: ${cred.password}\n` +
          `  Write it down now; it is not shown again. Set your own in appliance.toml ([[${cred.service}.accounts]]).\n\n`,
      );
    }
    try {
      await app.start();
    } catch (err) {
      await app.stop(0);
      throw err;
    }
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        log.info({ signal }, 'shutting down');
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        // Leave a margin inside the 10 s promise for closing the database.
        const force = setTimeout(() => process.exit(0), SHUTDOWN_MS - 500);
        force.unref();
        app.stop(SHUTDOWN_MS - 2000).then(resolve, resolve);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    if (logFile) await closeLogFile(logFile);
    return 0;
  },
};
