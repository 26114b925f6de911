'use strict';
// A /verify that fails after Twilio approved its code (MongoDB stalled, Redis refusing writes) is
// finished by a retry with the same code, from the approval recorded in the pending login: no
// second check at Twilio (which answers 404 once approved) and no second SMS. The verify lock is
// released only by the request that holds it. Each test on processes of its own.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { env } = require('./lib/env');
const { client, expectProblem } = require('./lib/http');
const { closeMongo, redis, redisHash, redisExists } = require('./lib/stores');
const { signup, login, codeFor, emulatorFault, emulatorRequests, verify, wrongCode } = require('./lib/flow');
const { startVerigate, startEmulator, startRedis, startJongodb, cleanupSpawned, sleep } = require('./lib/procs');
const { decode } = require('./lib/jwt');

const jtiOf = (mfaToken) => decode(mfaToken).payload.jti;

async function until(probe, ms, what) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(probe).catch(() => false)) return;
    await sleep(20);
  }
  assert.fail(`${what} within ${ms} ms`);
}

// Twilio's calls so far, by operation.
async function twilioCalls(emuUrl) {
  const reqs = await emulatorRequests(emuUrl);
  const count = (name) => reqs.filter((r) => r.method === 'POST' && r.path.endsWith(`/${name}`)).length;
  return { starts: count('Verifications'), checks: count('VerificationCheck') };
}

// A stack of our own: jongodb, redis-server, emulator and verigate.
async function ownStack() {
  const [mongo, rds, emu] = await Promise.all([startJongodb(), startRedis(), startEmulator()]);
  const vg = await startVerigate({
    env: { MONGODB_URI: `${mongo.uri}/vg_e2e_retry`, REDIS_URL: rds.url, TWILIO_VERIFY_BASE_URL: emu.url },
  });
  return { mongo, rds, emu, vg, api: client(vg.url) };
}

// Logs a new user in and starts a /verify whose Twilio check the emulator holds for delayMs; resolves
// once that verify holds the lock (it is then inside the check).
async function verifyInCheck(s, delayMs) {
  const user = await signup(s.api);
  const lg = await login(s.api, user);
  const code = await codeFor(s.emu.url, user.phone);
  const jti = jtiOf(lg.mfa_token);
  await emulatorFault(s.emu.url, { operation: 'check', delay_ms: delayMs, count: 1 });
  const answer = s.api.post('/verify', { code }, { token: lg.mfa_token });
  await until(() => redisExists(s.rds.url, `vg:lock:${jti}`), 5000, 'the verify holds its lock');
  return { user, lg, code, jti, answer };
}

describe('verify retried after a failure past the approval', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('verify_retried_after_a_mongodb_stall_finishes_without_a_new_sms', async () => {
    const s = await ownStack();
    const v = await verifyInCheck(s, 1500);
    s.mongo.proc.kill('SIGSTOP');
    let res;
    try {
      res = await v.answer;
    } finally {
      s.mongo.proc.kill('SIGCONT');
    }
    expectProblem(res, 503, 'service-unavailable');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.equal(redisHash(s.rds.url, `vg:pending:${v.jti}`).approved, '1', 'the approval is recorded');
    assert.equal(redisExists(s.rds.url, `vg:lock:${v.jti}`), false, 'the lock is released');

    const done = await verify(s.api, v.lg.mfa_token, v.code);
    assert.equal(typeof done.access_token, 'string');
    assert.deepEqual(await twilioCalls(s.emu.url), { starts: 1, checks: 1 }, 'no second SMS, no second check');
    assert.equal(redisExists(s.rds.url, `vg:pending:${v.jti}`), false);
    expectProblem(await s.api.post('/verify', { code: v.code }, { token: v.lg.mfa_token }), 401, 'invalid-token');
  });

  test('verify_retried_after_redis_refused_the_session_start_finishes', async () => {
    const s = await ownStack();
    const v = await verifyInCheck(s, 1000);
    // MongoDB stalls the phone_verified write; meanwhile, once the approval is in Redis, Redis
    // starts refusing writes (out of memory), so the step that consumes the login fails.
    s.mongo.proc.kill('SIGSTOP');
    let res;
    try {
      await until(() => redisHash(s.rds.url, `vg:pending:${v.jti}`).approved === '1', 5000, 'the approval is recorded');
      redis(s.rds.url, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      redis(s.rds.url, 'CONFIG', 'SET', 'maxmemory', '1');
    } finally {
      s.mongo.proc.kill('SIGCONT');
    }
    res = await v.answer;
    redis(s.rds.url, 'CONFIG', 'SET', 'maxmemory', '0');
    expectProblem(res, 503, 'service-unavailable');
    assert.equal(redisHash(s.rds.url, `vg:pending:${v.jti}`).approved, '1', 'the login is left for the retry');

    const done = await verify(s.api, v.lg.mfa_token, v.code);
    assert.equal(typeof done.refresh_token, 'string');
    assert.deepEqual(await twilioCalls(s.emu.url), { starts: 1, checks: 1 });
    assert.deepEqual(redis(s.rds.url, '--scan', '--pattern', 'vg:rf:*').split('\n').filter(Boolean).length, 1, 'one session');
  });

  test('verify_lock_is_not_released_by_a_request_that_no_longer_holds_it', async () => {
    const s = await ownStack();
    const user = await signup(s.api);
    const lg = await login(s.api, user);
    const code = await codeFor(s.emu.url, user.phone);
    const lock = `vg:lock:${jtiOf(lg.mfa_token)}`;
    await emulatorFault(s.emu.url, { operation: 'check', delay_ms: 1000, count: 1 });
    const answer = s.api.post('/verify', { code: wrongCode(code) }, { token: lg.mfa_token });
    await until(() => redisExists(s.rds.url, lock), 5000, 'the verify holds its lock');
    // As if its lock had expired and another request had taken it since.
    redis(s.rds.url, 'SET', lock, 'another-request', 'EX', '30');
    expectProblem(await answer, 401, 'wrong-code');
    assert.equal(redis(s.rds.url, 'GET', lock), 'another-request', "the other request's lock stays");
    expectProblem(await s.api.post('/verify', { code }, { token: lg.mfa_token }), 409, 'verification-in-progress');
  });
});
