'use strict';
// Dependency failures, each on processes of its own (never the shared stack): Twilio down or
// answering errors, Redis down, MongoDB down. A failed send must leave no pending login behind.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, redisKeys, redisHash, redisExists } = require('./lib/stores');
const { signup, login, codeFor, emulatorFault, verify, wrongCode } = require('./lib/flow');
const { startVerigate, startEmulator, startRedis, startJongodb, cleanupSpawned, sleep } = require('./lib/procs');
const { decode } = require('./lib/jwt');

const pendingKey = (mfaToken) => `vg:pending:${decode(mfaToken).payload.jti}`;

async function eventually(probe, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await probe().catch((e) => e);
    if (last === true) return;
    await sleep(100);
  }
  assert.fail(`${what} within ${ms} ms (last: ${last && last.message ? last.message : last})`);
}

describe('dependency failures', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('emulator_down_is_502_and_leaves_no_pending', async () => {
    const [redis, emu] = await Promise.all([startRedis(), startEmulator()]);
    const vg = await startVerigate({ env: { REDIS_URL: redis.url, TWILIO_VERIFY_BASE_URL: emu.url, RESEND_COOLDOWN_SECONDS: 0 } });
    const api = client(vg.url);
    const early = await signup(api);
    const late = await signup(api);
    const lg = await login(api, early);
    const code = await codeFor(emu.url, early.phone);
    const key = pendingKey(lg.mfa_token);
    await emu.stop();

    const res = await api.post('/login', { email: late.email, password: late.password });
    expectProblem(res, 502, 'sms-provider-unavailable');
    assert.deepEqual(redisKeys(redis.url, 'vg:pending:*'), [key], 'the failed login left no pending state');
    // A resend that cannot reach Twilio gives its send back; a check that cannot does not count.
    expectProblem(await api.post('/resend', undefined, { token: lg.mfa_token }), 502, 'sms-provider-unavailable');
    assert.equal(redisHash(redis.url, key).sends, '1');
    expectProblem(await api.post('/verify', { code }, { token: lg.mfa_token }), 502, 'sms-provider-unavailable');
    assert.equal(redisHash(redis.url, key).attempts, '0');
    // Twilio is not a readiness dependency: the instance stays in rotation.
    expectStatus(await api.get('/readyz'), 200);
  });

  test('redis_down_is_503_and_readyz_names_it', async () => {
    const redis = await startRedis();
    const vg = await startVerigate({ env: { REDIS_URL: redis.url } });
    const api = client(vg.url);
    const user = await signup(api);
    const pending = await login(api, user);
    const other = await signup(api);
    await redis.stop();

    expectProblem(await api.post('/login', { email: other.email, password: other.password }), 503, 'service-unavailable');
    expectProblem(await api.post('/verify', { code: '123456' }, { token: pending.mfa_token }), 503, 'service-unavailable');
    const ready = await api.get('/readyz');
    expectProblem(ready, 503, 'not-ready');
    assert.deepEqual(ready.body.checks, { mongodb: 'ok', redis: 'unavailable' });
    const health = await api.get('/healthz');
    expectStatus(health, 200);

    // Redis comes back on the same port: verigate reconnects on its own.
    await startRedis({ port: redis.port });
    await eventually(async () => (await api.get('/readyz')).status === 200, 5000, '/readyz 200 after Redis came back');
    await login(api, other);
  });

  test('mongodb_down_is_503_and_readyz_names_it', async () => {
    const mongo = await startJongodb();
    const vg = await startVerigate({ env: { MONGODB_URI: `${mongo.uri}/vg_e2e_down` } });
    const api = client(vg.url);
    const user = await signup(api);
    await mongo.kill();

    const ready = await api.get('/readyz');
    expectProblem(ready, 503, 'not-ready');
    assert.deepEqual(ready.body.checks, { mongodb: 'unavailable', redis: 'ok' });
    expectProblem(await api.post('/login', { email: user.email, password: user.password }), 503, 'service-unavailable');
    expectProblem(await api.post('/signup', Object.assign({}, user, { email: `x${user.email}`, username: `x${user.username}`, phone: `${user.phone.slice(0, -1)}9` })), 503, 'service-unavailable');
  });

  test('twilio_start_errors_map_to_documented_answers', async () => {
    const [redis, emu] = await Promise.all([startRedis(), startEmulator()]);
    const vg = await startVerigate({ env: { REDIS_URL: redis.url, TWILIO_VERIFY_BASE_URL: emu.url } });
    const api = client(vg.url);
    const user = await signup(api);
    const cases = [
      [{ status: 400, code: 60200 }, 422, 'phone-not-deliverable', null],
      [{ status: 429, code: 60203, retry_after: 42 }, 429, 'sms-rate-limited', '42'],
      [{ status: 429, code: 60212 }, 429, 'sms-rate-limited', 'any'],
      [{ status: 429, code: 20429 }, 429, 'sms-rate-limited', 'any'],
      [{ status: 401, code: 20003 }, 502, 'sms-provider-unavailable', null],
      [{ status: 503, code: 20500 }, 502, 'sms-provider-unavailable', null],
      // A channel disabled in the Verify service is the operator's to fix, not the user's number.
      [{ status: 400, code: 60223 }, 502, 'sms-provider-unavailable', null],
    ];
    for (const [fault, status, type, retryAfter] of cases) {
      const logFrom = vg.output().length;
      await emulatorFault(emu.url, Object.assign({ operation: 'start', count: 1 }, fault));
      const res = await api.post('/login', { email: user.email, password: user.password });
      expectProblem(res, status, type);
      if (retryAfter === 'any') assert.ok(Number(res.headers.get('retry-after')) > 0, `${fault.code}: Retry-After ${res.headers.get('retry-after')}`);
      else if (retryAfter) assert.equal(res.headers.get('retry-after'), retryAfter);
      if (fault.code === 20003) {
        assert.match(vg.output().slice(logFrom), /20003|credential|TWILIO_ACCOUNT_SID|TWILIO_AUTH_TOKEN|auth/i, 'a 20003 is logged as a misconfiguration');
      }
      if (fault.code === 60223) {
        for (let i = 0; i < 40 && !/ALLOWED_CHANNELS/.test(vg.output().slice(logFrom)); i++) await sleep(50);
        assert.match(vg.output().slice(logFrom), /ERROR.*channel.*ALLOWED_CHANNELS/i, 'a 60223 is logged as a misconfiguration');
      }
      if (status === 502) {
        // The adapter's own line about this Twilio answer names the request, as the answer does.
        // It is written before the answer, but the pipe from verigate may bring it after.
        const line = () => vg.output().split('\n').find((l) => l.includes('twilio_verify') && l.includes(`code ${fault.code}`));
        for (let i = 0; i < 40 && !line(); i++) await sleep(50);
        assert.ok((line() || '').includes(` req=${res.headers.get('x-request-id')} `), `${fault.code}: ${line()}`);
      }
      assert.deepEqual(redisKeys(redis.url, 'vg:pending:*'), [], `${fault.code}: no pending state after a failed send`);
    }
    // The faults were one-shot: the next login goes through.
    await login(api, user);
  });

  test('twilio_check_errors_map_to_documented_answers', async () => {
    const [redis, emu] = await Promise.all([startRedis(), startEmulator()]);
    const vg = await startVerigate({ env: { REDIS_URL: redis.url, TWILIO_VERIFY_BASE_URL: emu.url } });
    const api = client(vg.url);
    const user = await signup(api);

    let lg = await login(api, user);
    let code = await codeFor(emu.url, user.phone);
    await emulatorFault(emu.url, { operation: 'check', status: 429, code: 60202, count: 1 });
    expectProblem(await api.post('/verify', { code: wrongCode(code) }, { token: lg.mfa_token }), 429, 'too-many-attempts');
    assert.equal(redisExists(redis.url, pendingKey(lg.mfa_token)), false, '60202 ends the pending login');

    lg = await login(api, user);
    code = await codeFor(emu.url, user.phone);
    await emulatorFault(emu.url, { operation: 'check', status: 404, code: 20404, count: 1 });
    expectProblem(await api.post('/verify', { code }, { token: lg.mfa_token }), 401, 'verification-expired');
    assert.equal(redisExists(redis.url, pendingKey(lg.mfa_token)), false, '20404 ends the pending login');

    lg = await login(api, user);
    code = await codeFor(emu.url, user.phone);
    await emulatorFault(emu.url, { operation: 'check', status: 500, code: 20500, count: 1 });
    expectProblem(await api.post('/verify', { code }, { token: lg.mfa_token }), 502, 'sms-provider-unavailable');
    // An outage is not the user's fault: the login survives and the code still works afterwards.
    assert.equal(redisHash(redis.url, pendingKey(lg.mfa_token)).attempts, '0');
    await verify(api, lg.mfa_token, code);
  });

  test('code_expired_at_twilio_is_401_and_ends_the_login', async () => {
    const [redis, emu] = await Promise.all([startRedis(), startEmulator({ codeTtl: 1 })]);
    const vg = await startVerigate({ env: { REDIS_URL: redis.url, TWILIO_VERIFY_BASE_URL: emu.url } });
    const api = client(vg.url);
    const user = await signup(api);
    const lg = await login(api, user);
    const code = await codeFor(emu.url, user.phone);
    await sleep(1600);
    expectProblem(await api.post('/verify', { code }, { token: lg.mfa_token }), 401, 'verification-expired');
    assert.deepEqual(redisKeys(redis.url, 'vg:pending:*'), []);
  });
});
