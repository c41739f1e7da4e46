/**
 * Child process for the crash tests: adds one photo through the real photo service and stops
 * dead at the commit step named on the command line, announcing it on stdout so the test can
 * kill -9 it exactly there.
 *   node --import tsx crash-child.ts CONFIG FILE STEP [REMOVE_FIRST]
 * With REMOVE_FIRST (a file name), that file is first taken out of /incoming/idphotos/, as an SFTP
 * REMOVE does.
 */
import { createApp } from '../../src/app.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { configureLogging } from '../../src/shared/logger.ts';

const [configPath, file, step, removeFirst] = process.argv.slice(2);
const config = loadConfigFile(configPath);
configureLogging('silent');
// The crash point goes in through the composition root's overrides, as it would for any test.
const app = await createApp(config, {
  mode: 'command',
  photoHooks: {
    afterStep(at) {
      if (at !== step) return;
      process.stdout.write(`AT ${at}\n`);
      return new Promise<void>(() => {});
    },
  },
});
if (removeFirst) app.ctx.photos.folder.remove(removeFirst, 'district');
await app.ctx.photos.addFile(file, { account: 'district' });
process.stdout.write('DONE\n');
