import type { Config } from './config/schema.ts';
import type { Db } from './storage/db.ts';
import type { Logger } from './shared/logger.ts';
import type { Accounts } from './domain/accounts/bootstrap.ts';
import type { HostKey } from './sftp/host-key.ts';

/** Everything the edges need, built once by `createApp` (the composition root). */
export interface AppContext {
  config: Config;
  db: Db;
  log: Logger;
  accounts: Accounts;
  hostKeys: HostKey[];
}
