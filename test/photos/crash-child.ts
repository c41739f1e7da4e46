/**
 * Child process for the crash tests: adds one photo through the real photo service and stops
 * dead at the commit step named on the command line, announcing it on stdout so the test can
 * kill -9 it exactly there.
 *   node --import tsx crash-child.ts CONFIG FILE STEP
 */
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.ts';
import { createPhotoService } from '../../src/domain/photos/service.ts';
import { configureLogging, createLogger } from '../../src/shared/logger.ts';
import { openDatabase } from '../../src/storage/db.ts';

const [configPath, file, step] = process.argv.slice(2);
const config = loadConfigFile(configPath);
configureLogging('silent');
const db = openDatabase(join(config.data_dir, 'idphotos.db'));
const photos = createPhotoService({
  db,
  dataDir: config.data_dir,
  config: config.photos,
  maxBytes: config.sftp.max_photo_bytes,
  log: createLogger('photos'),
  hooks: {
    afterStep(at) {
      if (at !== step) return;
      process.stdout.write(`AT ${at}\n`);
      return new Promise<void>(() => {});
    },
  },
});
await photos.addFile(file, { account: 'district' });
process.stdout.write('DONE\n');
