import { parseArgs } from 'node:util';
import { redactConfig } from '../config/parse.ts';
import { CONFIG_OPTION, configFromArgs, type Command } from './common.ts';

export const checkConfigCommand: Command = {
  summary: 'check appliance.toml and print the effective configuration',
  usage: 'idphotos check-config [--config FILE] [--quiet]',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { config: CONFIG_OPTION, quiet: { type: 'boolean', short: 'q' } } });
    const config = configFromArgs(values.config);
    if (!values.quiet) io.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    io.stderr.write(`${config.config_file || 'embedded defaults'}: configuration is valid\n`);
    return 0;
  },
};
