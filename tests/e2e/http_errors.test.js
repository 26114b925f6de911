'use strict';
// The HTTP edge: health probes, request bodies (size, media type, syntax, types), unknown paths
// and methods. Every answer is problem+json (checked by lib/http.js for each response).
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { newUser, signup, emulatorRecord } = require('./lib/flow');
const { startVerigate, cleanupSpawned } = require('./lib/procs');

const api = client(env.VG_URL);
const KIB16 = 16 * 1024;

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
      expectProblem(await api.request('POST', path, { body: big, headers: { 'Content-Type': 'application/json' } }), 413, 'payload-too-large');
    }
    // 415: a body that is not declared as JSON.
    const json = JSON.stringify({ email: 'a@b.example', password: 'whatever-pw' });
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      expectProblem(await api.request('POST', '/login', { body: json, headers: { 'Content-Type': ct } }), 415, 'unsupported-media-type');
    }
    expectProblem(await api.raw('POST', '/login', { chunks: [json], headers: { 'Content-Length': Buffer.byteLength(json) } }), 415, 'unsupported-media-type');
    // 400 malformed-request: not JSON, or JSON that is not an object.
    for (const body of ['{', '[]', '"text"', 'null', '42', '{"email": "a@b.example",}', '{"email":"a@b.example"} trailing']) {
      const res = await api.request('POST', '/login', { body, headers: { 'Content-Type': 'application/json' } });
      expectProblem(res, 400, 'malformed-request');
    }
    // The media type's parameters are fine.
    const ok = await api.request('POST', '/login', { body: json, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
    expectProblem(ok, 401, 'invalid-credentials');
  });

  test('chunked_body_over_16k_is_413', async () => {
    // No Content-Length: the limit must hold on the bytes actually received, not be truncated.
    const chunks = ['{"email":"a@b.example","password":"', 'y'.repeat(9000), 'y'.repeat(9000), '"}'];
    const res = await api.raw('POST', '/login', { chunks, headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } });
    expectProblem(res, 413, 'payload-too-large');
  });

  test('body_just_under_the_limit_is_read_whole', async () => {
    const user = newUser();
    const body = JSON.stringify(Object.assign({}, user, { name: 'n'.repeat(KIB16 - 400) }));
    assert.ok(Buffer.byteLength(body) < KIB16);
    const res = await api.request('POST', '/signup', { body, headers: { 'Content-Type': 'application/json' } });
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
    for (const [method, path] of [['GET', '/nope'], ['POST', '/signup/extra'], ['GET', '/'], ['GET', '/.well-known/nothing'], ['DELETE', '/users/1']]) {
      const res = await api.request(method, path, { spec: false });
      expectProblem(res, 404, 'not-found');
    }
    const cases = [
      ['GET', '/login', 'POST'], ['PUT', '/signup', 'POST'], ['DELETE', '/verify', 'POST'], ['GET', '/resend', 'POST'],
      ['POST', '/dashboard', 'GET'], ['POST', '/healthz', 'GET'], ['DELETE', '/readyz', 'GET'], ['POST', '/.well-known/jwks.json', 'GET'],
    ];
    for (const [method, path, allowed] of cases) {
      const res = await api.request(method, path, { spec: false, headers: method === 'GET' || method === 'DELETE' ? {} : { 'Content-Type': 'application/json' }, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
      expectProblem(res, 405, 'method-not-allowed');
      assert.ok(allowOf(res).includes(allowed), `${method} ${path}: Allow "${res.headers.get('allow')}" must list ${allowed}`);
      assert.ok(!allowOf(res).includes(method), `${method} ${path}: Allow must not list ${method}`);
    }
  });
});
