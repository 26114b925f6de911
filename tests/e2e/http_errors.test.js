'use strict';
// The HTTP edge: health probes, request bodies (size, media type, syntax, types), unknown paths
// and methods. Every answer is problem+json (checked by lib/http.js for each response).
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { newUser, signup, emulatorRecord } = require('./lib/flow');
const { startVerigate, cleanupSpawned } = require('./lib/procs');

const api = client(env.VG_URL);
// verigate's own socket, for what a proxy in between would change: bodies it re-encodes (or
// answers itself when they do not parse), chunked framing, raw bytes and the connection close.
const direct = client(env.VG_DIRECT_URL);
const KIB16 = 16 * 1024;

// Writes raw bytes to verigate and collects everything it sends until it closes the connection
// (or timeoutMs passes: then closed is false).
function rawExchange(base, bytes, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const sock = net.connect(Number(port), hostname);
    const parts = [];
    const timer = setTimeout(() => { sock.destroy(); resolve({ text: Buffer.concat(parts).toString('latin1'), closed: false }); }, timeoutMs);
    sock.on('data', (d) => parts.push(d));
    sock.on('error', () => {}); // a reset after the answer is a close too
    sock.on('close', () => { clearTimeout(timer); resolve({ text: Buffer.concat(parts).toString('latin1'), closed: true }); });
    sock.on('connect', () => sock.write(bytes));
    sock.on('timeout', reject);
  });
}

function allowOf(res) {
  return (res.headers.get('allow') || '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
}

describe('http edge', () => {
  let own;
  before(async () => { own = await startVerigate(); });
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('healthz_and_readyz_answer_ok', async () => {
    const h = await api.get('/healthz');
    expectStatus(h, 200);
    assert.equal(h.body.status, 'ok');
    const r = await api.get('/readyz');
    expectStatus(r, 200);
    assert.deepEqual(r.body, { status: 'ready', checks: { mongodb: 'ok', redis: 'ok' } });
  });

  test('body_errors_413_415_400', async () => {
    // 413: over 16 KiB, whatever is inside.
    const big = JSON.stringify({ email: 'a@b.example', password: 'x'.repeat(KIB16 + 1) });
    for (const path of ['/login', '/signup']) {
      expectProblem(await direct.request('POST', path, { body: big, headers: { 'Content-Type': 'application/json' } }), 413, 'payload-too-large');
    }
    // 415: a body that is not declared as JSON.
    const json = JSON.stringify({ email: 'a@b.example', password: 'whatever-pw' });
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      expectProblem(await direct.request('POST', '/login', { body: json, headers: { 'Content-Type': ct } }), 415, 'unsupported-media-type');
    }
    expectProblem(await direct.raw('POST', '/login', { chunks: [json], headers: { 'Content-Length': Buffer.byteLength(json) } }), 415, 'unsupported-media-type');
    // 400 malformed-request: not JSON, or JSON that is not an object.
    for (const body of ['{', '[]', '"text"', 'null', '42', '{"email": "a@b.example",}', '{"email":"a@b.example"} trailing']) {
      const res = await direct.request('POST', '/login', { body, headers: { 'Content-Type': 'application/json' } });
      expectProblem(res, 400, 'malformed-request');
    }
    // The media type's parameters are fine.
    const ok = await direct.request('POST', '/login', { body: json, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
    expectProblem(ok, 401, 'invalid-credentials');
  });

  test('chunked_body_over_16k_is_413', async () => {
    // No Content-Length: the limit must hold on the bytes actually received, not be truncated.
    const chunks = ['{"email":"a@b.example","password":"', 'y'.repeat(9000), 'y'.repeat(9000), '"}'];
    const res = await direct.raw('POST', '/login', { chunks, headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } });
    expectProblem(res, 413, 'payload-too-large');
  });

  test('body_just_under_the_limit_is_read_whole', async () => {
    const user = newUser();
    const body = JSON.stringify(Object.assign({}, user, { name: 'n'.repeat(KIB16 - 400) }));
    assert.ok(Buffer.byteLength(body) < KIB16);
    const res = await direct.request('POST', '/signup', { body, headers: { 'Content-Type': 'application/json' } });
    expectProblem(res, 400, 'validation-error');
    assert.deepEqual(res.body.errors.map((e) => e.field), ['name'], res.text.slice(0, 300));
  });

  test('login_validation_names_bad_fields', async () => {
    const res = await api.post('/login', {});
    expectProblem(res, 400, 'validation-error');
    assert.deepEqual(res.body.errors.map((e) => e.field).sort(), ['email', 'password']);
    const typed = await api.post('/login', { email: 'a@b.example', password: 12345678 });
    expectProblem(typed, 400, 'validation-error');
    assert.deepEqual(typed.body.errors.map((e) => e.field), ['password']);
  });

  test('nosql_operator_in_login_is_400_and_reaches_nothing', async () => {
    // An instance whose database holds exactly one user: an operator that reached MongoDB would
    // find that user, the password would match, and the emulator would see an SMS.
    const oapi = client(own.url);
    const user = await signup(oapi);
    const attacks = [
      [{ email: { $ne: null }, password: user.password }, 'email'],
      [{ email: { $regex: '.*' }, password: user.password }, 'email'],
      [{ email: { $gt: '' }, password: user.password }, 'email'],
      [{ email: user.email, password: { $ne: null } }, 'password'],
      [{ email: [user.email], password: user.password }, 'email'],
    ];
    for (const [body, field] of attacks) {
      const res = await oapi.post('/login', body);
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(res.body.errors.map((e) => e.field), [field], `${JSON.stringify(body)}: ${res.text}`);
    }
    assert.equal(await emulatorRecord(env.EMULATOR_URL, user.phone), null, 'no login went through');
    // Control: the same user with plain strings does get an SMS.
    expectStatus(await oapi.post('/login', { email: user.email, password: user.password }), 200);
    assert.ok(await emulatorRecord(env.EMULATOR_URL, user.phone));
  });

  test('unknown_path_404_wrong_method_405', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/signup/extra'], ['GET', '/'], ['GET', '/.well-known/nothing'], ['DELETE', '/users/1'], ['DELETE', '/sessions'.concat('/a/b')], ['GET', '/me/phones']]) {
      const res = await api.request(method, path, { spec: false });
      expectProblem(res, 404, 'not-found');
    }
    const cases = [
      ['GET', '/login', 'POST'], ['PUT', '/signup', 'POST'], ['DELETE', '/verify', 'POST'], ['GET', '/resend', 'POST'],
      ['POST', '/dashboard', 'GET'], ['POST', '/healthz', 'GET'], ['DELETE', '/readyz', 'GET'], ['POST', '/.well-known/jwks.json', 'GET'],
      // A path with a parameter, and paths written with extra slashes, are the route's path too.
      ['POST', '/sessions/abc', 'DELETE'], ['GET', '/me', 'DELETE'], ['PUT', '/me/phone/verify', 'POST'], ['GET', '/login/', 'POST'],
    ];
    for (const [method, path, allowed] of cases) {
      const res = await api.request(method, path, { spec: false, headers: method === 'GET' || method === 'DELETE' ? {} : { 'Content-Type': 'application/json' }, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
      assert.equal(res.status, 405, `${method} ${path}`);
      expectProblem(res, 405, 'method-not-allowed');
      assert.ok(allowOf(res).includes(allowed), `${method} ${path}: Allow "${res.headers.get('allow')}" must list ${allowed}`);
      assert.ok(!allowOf(res).includes(method), `${method} ${path}: Allow must not list ${method}`);
    }
  });

  // The rest of a body over the limit is never wanted: after the 413 the connection is closed,
  // so a request pipelined behind it is not answered, and nothing more is read for it.
  test('a_413_answer_closes_the_connection', async () => {
    const body = 'x'.repeat(KIB16 + 100);
    const bytes = `POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
      + 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n';
    const { text, closed } = await rawExchange(env.VG_DIRECT_URL, bytes);
    assert.ok(closed, 'the connection was left open after a 413');
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.equal(text.match(/HTTP\/1\.1 /g).length, 1, `the pipelined request was answered: ${text.slice(0, 400)}`);
  });

  // Nothing a client puts in a request line can start a log line or fake one: control bytes,
  // backslashes and anything outside printable ASCII are logged as \xNN.
  test('a_request_path_cannot_forge_a_log_line', async (t) => {
    const file = process.env.VG_LOG_FILE;
    if (!file) return t.skip('VG_LOG_FILE is not set');
    const forged = 'audit event=login_ok outcome=ok user=admin';
    const marker = `forge${Date.now()}`;
    await rawExchange(env.VG_DIRECT_URL, `GET /${marker}\r${forged}\x1b[2K\\ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    const lines = fs.readFileSync(file, 'latin1').split('\n');
    const access = lines.filter((l) => l.includes(marker));
    assert.equal(access.length, 1, `expected one access line naming ${marker}: ${JSON.stringify(access)}`);
    assert.ok(!/[\r\x1b]/.test(access[0]), `a raw control byte reached the log: ${JSON.stringify(access[0])}`);
    assert.ok(access[0].includes(`/${marker}\\x0daudit`), JSON.stringify(access[0]));
    assert.ok(!lines.some((l) => l.startsWith(forged) || l.includes(`\r${forged}`)), 'a forged line was written');
  });
});
