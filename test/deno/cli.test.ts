import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededJpeg } from '../../scripts/proof/lib/fixtures.ts';
import { BIN, run, type Result } from '../foundation/cli-process.ts';
import { denoBinary, ROOT } from './tools.ts';

/**
 * Every command of the CLI under Deno answers as it does under Node: the same sequence on two
 * fresh data folders, one per runtime, compared line by line (times and the folders' own paths
 * put aside).
 */
let deno: string;
let files: string;
const dirs: string[] = [];
beforeAll(async () => {
  deno = denoBinary();
  files = mkdtempSync(join(tmpdir(), 'idphotos-deno-cli-files-'));
  dirs.push(files);
  writeFileSync(join(files, 'students.csv'), 'Local ID,First Name,Last Name,Grade\r\nS1,Ana,Ruiz,9\r\nS2,Ben,Okafor,10\r\nS3,Zoë,Ng,\r\n');
  writeFileSync(join(files, 'S1.jpg'), await seededJpeg(7));
  writeFileSync(join(files, 'not-a-photo.jpg'), 'hello');
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The commands, each with its arguments; `{dir}` is the runtime's own folder. */
const SEQUENCE: string[][] = [
  ['--version'],
  ['check-config'],
  ['import', '{files}/students.csv'],
  ['import', '{files}/students.csv'],
  ['imports', 'list'],
  ['imports', 'show', '1', '--json'],
  ['imports', 'approve', '1'],
  ['photos', 'add', '{files}/S1.jpg', '{files}/not-a-photo.jpg'],
  ['photos', 'history', 'S1'],
  ['backup', '{dir}/backup'],
  ['no-such-command'],
];

async function sequence(runtime: 'node' | 'deno'): Promise<Array<Pick<Result, 'code' | 'stdout' | 'stderr'>>> {
  const dir = mkdtempSync(join(tmpdir(), `idphotos-deno-cli-${runtime}-`));
  dirs.push(dir);
  const config = join(dir, 'appliance.toml');
  writeFileSync(config, `data_dir = "data"\n[log]\nlevel = "warn"\n`);
  const out = [];
  for (const step of SEQUENCE) {
    const args = step.map((a) => a.replace('{files}', files).replace('{dir}', dir));
    if (args[0] !== '--version' && args[0] !== 'no-such-command') args.push('--config', config);
    const r = runtime === 'deno' ? await run(['run', '-A', join(ROOT, 'src/cli.ts'), ...args], { command: deno, cwd: dir }) : await run(args, { cwd: dir });
    const clean = (s: string) =>
      s
        .replaceAll(dir, '<dir>')
        .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?Z?/g, '<time>')
        .replace(/cli:\w+/g, 'cli:<user>')
        .replace(/\(\d+(\.\d+)? MiB\)/g, '(<size> MiB)');
    out.push({ code: r.code, stdout: clean(r.stdout), stderr: clean(r.stderr) });
  }
  return out;
}

describe('the CLI under Deno (deno run -A src/cli.ts …)', () => {
  it('prints the usage for --help', () => {
    const help = execFileSync(deno, ['run', '-A', join(ROOT, 'src/cli.ts'), '--help'], { encoding: 'utf8' });
    expect(help).toBe(execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' }));
    expect(help).toMatch(/^Usage: idphotos \[COMMAND\]/m);
  });

  it('answers every command as Node does: the same output and exit codes', async () => {
    const [node, underDeno] = await Promise.all([sequence('node'), sequence('deno')]);
    // import, the same again, list, show; approve refuses an applied import; one of two photos refused; unknown command.
    expect(node.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 2]);
    expect(node[9]!.stdout).toMatch(/^backup of <dir>\/data written to <dir>\/backup\n[^{]*$/);
    for (const [i, step] of SEQUENCE.entries()) expect({ step, ...underDeno[i] }).toEqual({ step, ...node[i] });
  });

  it('type-checks under Deno: deno check src/cli.ts', () => {
    expect(() => execFileSync(deno, ['check', join(ROOT, 'src/cli.ts')], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});
