import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { afterAll, describe, expect, it } from 'vitest';
import { applianceToml } from '../../scripts/proof/lib/appliance-toml.ts';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { databaseOf } from '../../src/storage/index.ts';
import { addUsers } from '../web/helpers.ts';
import { portraitJpeg } from '../web/portraits.ts';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function zipOf(entries: [string, Buffer][]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, bytes] of entries) zip.addBuffer(bytes, name, { compress: false });
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

describe('a delivery cut off by a stop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-delivery-resume-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is durable once acknowledged, and its photos are stored at the next start', async () => {
    const toml = await applianceToml({ logLevel: 'silent', dataDir: 'data' });
    const config = parseConfig(toml, '', dir);
    const first = await createApp(config);
    addUsers(databaseOf(first.storage), [
      { local_id: 'R1', first_name: 'Ada', last_name: 'One' },
      { local_id: 'R2', first_name: 'Bea', last_name: 'Two' },
    ]);
    await first.ctx.photos.start();
    const p1 = await portraitJpeg(101);
    const p2 = await portraitJpeg(102);
    const zip = await zipOf([['idlink.txt', Buffer.from('"R1","r1.jpg"\r\n"R2","r2.jpg"\r\n')], ['r1.jpg', p1], ['r2.jpg', p2]]);
    const temp = join(dir, 'upload.tmp');
    writeFileSync(temp, zip);
    // The SFTP edge's commit: resolves once the delivery is checked and durable.
    await first.ctx.folders.idphotos.commit({ tempPath: temp, name: 'picday.zip', size: zip.length, account: 'district' });
    // A stop right after the acknowledgement, before any image was stored.
    await first.stop();
    const again = await createApp(config);
    try {
      const d = again.ctx.deliveries.list(1)[0]!;
      expect(d).toMatchObject({ file_name: 'picday.zip', status: 'applying', counts: { matched: 2 } });
      expect(again.ctx.photos.photo('R1')).toBeNull();
      await again.start();
      // start() resumes in the background, as tracked work of the delivery service.
      await again.ctx.deliveries.settled();
      expect(again.ctx.deliveries.list(1)[0]!.status).toBe('done');
      expect(again.ctx.photos.photo('R1')?.source_sha256).toBe(sha256(p1));
      expect(again.ctx.photos.photo('R2')?.source_sha256).toBe(sha256(p2));
    } finally {
      await again.stop();
    }
  });
});
