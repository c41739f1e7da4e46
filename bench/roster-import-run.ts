/**
 * One measured run of a roster import in a fresh process (so peak RSS is this import's):
 * `node --import tsx bench/roster-import-run.ts DATA_DIR CSV` prints one JSON line. Run it
 * twice on one DATA_DIR for a nightly import over an existing roster.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { configureLogging, createLogger } from '../src/shared/logger.ts';
import { openStorage } from '../src/storage/index.ts';
import { parseConfig } from '../src/config/parse.ts';
import { RosterService } from '../src/domain/roster/service.ts';

const [dataDir, csv] = process.argv.slice(2);
if (!dataDir || !csv) throw new Error('usage: roster-import-run.ts DATA_DIR CSV');
configureLogging('warn', process.stderr);
const config = parseConfig('', '', dataDir);
// The database exists before the clock starts, as the reference's table does (migrations are set-up).
const storage = openStorage(join(dataDir, 'idphotos.db'));
const roster = new RosterService({ storage, config: config.roster, dataDir, log: createLogger('bench') });
const started = performance.now();
const cpuStart = process.cpuUsage();
const rec = await roster.importFile({ path: csv, origin: 'bench' });
storage.close();
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, status: rec.status, added: rec.added, updated: rec.updated, errors: rec.error_count })}\n`);
