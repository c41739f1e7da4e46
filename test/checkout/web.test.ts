import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, createTestSite, signIn, type Session, type TestSite } from '../web/helpers.ts';
import { snapshot } from './helpers.ts';

let site: TestSite;
let desk: Session;
let admin: Session;

beforeAll(async () => {
  site = await createTestSite();
  addUsers(site.db, [
    { local_id: 'S001', first_name: 'Zoë', last_name: "O'Brien", grade: '7', building: 'North', email: 'zoe@school.example' },
    { local_id: 'S002', first_name: 'Gone', last_name: 'Away', active: 0 },
    { local_id: 'S003', first_name: 'Has', last_name: 'Loaner' },
  ]);
  const ADMIN = { username: 'admin', role: 'admin' } as const;
  site.app.ctx.devices.create({ asset_tag: '00042', serial_number: '5CD1234XYZ', model: 'Chromebook <script>alert(1)</script>', building: 'North', status: 'available' }, ADMIN);
  site.app.ctx.devices.create({ asset_tag: 'LOANER-0', serial_number: '', model: 'Loaner', building: '', status: 'available' }, ADMIN);
  site.app.ctx.devices.checkOut('LOANER-0', 'S003', ADMIN);
  site.app.ctx.devices.create({ asset_tag: 'R-7', serial_number: '', model: 'Laptop', building: 'North', status: 'in_repair' }, ADMIN);
  desk = await signIn(site.web, 'desk');
  admin = await signIn(site.web, 'admin');
});
afterAll(() => site.close());

const get = (path: string, s: Session = desk) => site.web.request(path, { headers: { cookie: s.cookie } });
const post = (path: string, form: Record<string, string>, s: Session = desk, csrf = true) =>
  site.web.request(path, {
    method: 'POST',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(csrf ? { ...form, _csrf: s.csrf } : form).toString(),
  });

describe('rapid check-out over plain forms', () => {
  it('walks device → user → confirm → done, and back to the device field', async () => {
    let res = await get('/checkout');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<input[^>]*id="device"[^>]*autofocus/);

    res = await get('/checkout?mode=out&device=*5CD1234XYZ*');
    let html = await res.text();
    expect(html).toMatch(/<input[^>]*id="user"[^>]*autofocus/);
    expect(html).toContain('name="device" value="00042"');
    expect(html).not.toContain('<script>alert(1)</script>');

    res = await get('/checkout?mode=out&device=00042&user=zoe%40school.example');
    html = await res.text();
    expect(html).toContain('src="/photos/S001?size=full"');
    expect(html).toContain('alt="Zoë O&#39;Brien"');
    expect(html).toMatch(/<button[^>]*autofocus/);

    res = await post('/checkout', { mode: 'out', asset_tag: '00042', local_id: 'S001' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/checkout?mode=out&done=00042');
    html = await (await get(res.headers.get('location')!)).text();
    expect(html).toContain('Checked out');
    expect(html).toMatch(/<input[^>]*id="device"[^>]*autofocus/);
    expect(site.app.ctx.devices.get('00042')).toMatchObject({ status: 'checked_out', local_id: 'S001' });

    html = await (await get('/checkout?mode=in&device=00042')).text();
    expect(html).toContain('Confirm check-in');
    res = await post('/checkout', { mode: 'in', asset_tag: '00042', local_id: 'S001' });
    expect(res.status).toBe(303);
    expect(site.app.ctx.devices.get('00042').status).toBe('available');
  });

  it.each([
    ['/checkout?mode=out&device=NOPE', 404, 'No device has the asset tag or serial number'],
    ['/checkout?mode=out&device=R-7', 409, 'is in repair'],
    ['/checkout?mode=out&device=LOANER-0', 409, 'already checked out'],
    ['/checkout?mode=out&device=00042&user=S999', 404, 'No user has the Local ID or email'],
    ['/checkout?mode=out&device=00042&user=S002', 409, 'is inactive'],
    ['/checkout?mode=in&device=00042', 409, 'is not checked out'],
  ])('%s is refused inline (%i) and records nothing', async (path, status, text) => {
    const before = snapshot(site.db);
    const res = await get(path);
    expect(res.status).toBe(status);
    const html = await res.text();
    expect(html).toContain(text);
    expect(html).toContain('Nothing was recorded.');
    expect(html).toContain('role="alert"');
    expect(html.includes('Check LOANER-0 in now')).toBe(text === 'already checked out');
    expect(snapshot(site.db)).toBe(before);
  });

  it('refuses a confirmation without the CSRF token, or for an inactive user, recording nothing', async () => {
    const before = snapshot(site.db);
    expect((await post('/checkout', { mode: 'out', asset_tag: '00042', local_id: 'S001' }, desk, false)).status).toBe(403);
    const res = await post('/checkout', { mode: 'out', asset_tag: '00042', local_id: 'S002' });
    expect(res.status).toBe(409);
    expect(snapshot(site.db)).toBe(before);
  });

  it('says on the confirmation which devices the person already has', async () => {
    const admin = { username: 'admin', role: 'admin' } as const;
    site.app.ctx.devices.create({ asset_tag: 'LOANER-1', serial_number: '', model: 'Loaner', building: '', status: 'available' }, admin);
    site.app.ctx.devices.checkOut('LOANER-1', 'S001', admin);
    const html = await (await get('/checkout?mode=out&device=00042&user=S001')).text();
    expect(html).toMatch(/Already has <a class="mono" href="\/devices\/LOANER-1">LOANER-1<\/a> \(Loaner\)/);
    site.app.ctx.devices.checkIn('LOANER-1', admin);
    expect(await (await get('/checkout?mode=out&device=00042&user=S001')).text()).not.toContain('Already has');
  });

  it('sends a signed-out browser to sign in', async () => {
    const res = await site.web.request('/checkout');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('/login');
  });
});

describe('devices and incidents', () => {
  it('lets admins add and edit devices, and not staff', async () => {
    const before = snapshot(site.db);
    expect((await post('/devices', { asset_tag: 'NEW1', serial_number: '', model: 'x', building: '', status: 'available' })).status).toBe(403);
    expect((await post('/devices/00042', { serial_number: '', model: 'x', building: '', status: 'retired' })).status).toBe(403);
    expect(snapshot(site.db)).toBe(before);

    let res = await post('/devices', { asset_tag: '0007', serial_number: 'SN7', model: 'iPad', building: 'South', status: 'available' }, admin);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/devices/0007?saved=added');
    res = await post('/devices', { asset_tag: '0007', serial_number: '', model: '', building: '', status: 'available' }, admin);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('already exists');
    res = await post('/devices/0007', { serial_number: 'SN7', model: 'iPad 10', building: 'South', status: 'in_repair' }, admin);
    expect(res.status).toBe(303);
    expect(site.app.ctx.devices.get('0007')).toMatchObject({ model: 'iPad 10', status: 'in_repair' });
    const html = await (await get('/devices/0007')).text();
    expect(html).toContain('In repair');
    expect(html).toContain('Edited');
    expect((await get('/devices/7')).status).toBe(404);
  });

  it('records an incident from staff, lists it, and only an admin closes it', async () => {
    const today = new Date().toISOString().slice(0, 10);
    let res = await post('/incidents', { device: '00042', user: 'S001', type: 'damage', description: 'Cracked <b>screen</b>', occurred_on: today });
    expect(res.status).toBe(303);
    const path = res.headers.get('location')!.split('?')[0]!;
    const html = await (await get(path)).text();
    expect(html).toContain('Cracked &lt;b&gt;screen&lt;/b&gt;');
    expect(html).toContain('src="/photos/S001?size=profile"');
    expect(html).not.toContain('Close incident');
    expect(await (await get('/incidents')).text()).toContain(path);

    const before = snapshot(site.db);
    expect((await post(`${path}/close`, { resolution: 'x' })).status).toBe(403);
    res = await post('/incidents', { device: 'NOPE', user: 'S999', type: '', description: '', occurred_on: 'yesterday' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('No device has');
    expect(snapshot(site.db)).toBe(before);

    expect((await post(`${path}/close`, { resolution: 'Repaired' }, admin)).status).toBe(303);
    expect(await (await get(path)).text()).toContain('Repaired');
    expect((await get('/incidents/abc')).status).toBe(404);
  });

  it('shows the devices and incidents on the user profile', async () => {
    const html = await (await get('/users/S001')).text();
    expect(html).toContain('href="/devices/00042"');
    expect(html).toContain('Damage');
  });
});
