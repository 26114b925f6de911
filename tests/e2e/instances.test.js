'use strict';
// Issue 14: three verigate instances on one MongoDB and one Redis, as behind a load balancer. A
// flow whose every step goes to another instance; an instance killed (SIGKILL) between a login and
// its verify, whose login another instance finishes without a new SMS; and every limit counted
// across the three: wrong codes, the resend cooldown and cap, failed passwords, a spent refresh
// token. The emulator is the suite's own, so its request log holds only these tests' SMS.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, redisHash, redisExists, users } = require('./lib/stores');
const { signup, login, codeFor, verify, wrongCode, emulatorRecord, emulatorRequests } = require('./lib/flow');
const { startVerigate, startEmulator, cleanupSpawned, sleep } = require('./lib/procs');
const { rateLimitKey } = require('./lib/ratelimit');
const { decode } = require('./lib/jwt');

// A short cooldown so a resend on another instance is refused, then allowed, within a test (2 s:
// it counts whole seconds, so with 1 s a resend right after the login may fall in the next); no
// reuse grace, so a spent refresh token presented again is a replay at once.
const LIMITS = {
  RESEND_COOLDOWN_SECONDS: 2, MAX_SENDS_PER_LOGIN: 3, MAX_CODE_ATTEMPTS: 5,
  LOGIN_FAILS_PER_ACCOUNT: 3, LOGIN_LOCK_SECONDS: 120, REFRESH_REUSE_GRACE_SECONDS: 0,
};

const pendingKey = (mfaToken) => `vg:pending:${decode(mfaToken).payload.jti}`;

// What Twilio was asked for one number: sends (Verifications), checks, and cancels (a status
// update of its verification, a request that names no number).
async function twilioFor(emu, phone) {
  const reqs = (await emulatorRequests(emu.url)).filter((r) => r.method === 'POST');
  const rec = await emulatorRecord(emu.url, phone);
  const to = reqs.filter((r) => r.to === phone);
  return {
    sends: to.filter((r) => r.path.endsWith('/Verifications')).length,
    checks: to.filter((r) => r.path.endsWith('/VerificationCheck')).length,
    cancels: rec ? reqs.filter((r) => r.path.endsWith(`/Verifications/${rec.sid}`)).length : 0,
  };
}

// A resend, repeated while it is refused for its cooldown (each refusal asserted), until it is
// accepted or deadlineMs passes.
async function resendAfterCooldown(api, mfaToken, deadlineMs = 5000) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await api.post('/resend', undefined, { token: mfaToken });
    if (res.status === 202) return res;
    expectProblem(res, 429, 'resend-cooldown');
    assert.ok(Date.now() < deadline, `resend still refused after ${deadlineMs} ms: ${res.text}`);
    await sleep(100);
  }
}

async function dashboardOf(api, accessToken) {
  const res = await api.get('/dashboard', { token: accessToken });
  expectStatus(res, 200);
  return res.body;
}

describe('three instances on one MongoDB and one Redis', () => {
  let emu, vgs, A, B, C, db;

  before(async () => {
    emu = await startEmulator();
    db = `vg_e2e_${crypto.randomBytes(4).toString('hex')}`;
    const cfg = Object.assign({ TWILIO_VERIFY_BASE_URL: emu.url }, LIMITS);
    vgs = await Promise.all([0, 1, 2].map(() => startVerigate({ db, env: cfg })));
    [A, B, C] = vgs.map((vg) => client(vg.url));
  });

  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('every_step_of_a_flow_on_another_instance', async () => {
    const user = await signup(A);
    const row = await (await users(db)).findOne({ email: user.email });
    assert.ok(row && row.phone === user.phone, 'the signup on A is in the shared database');

    const lg = await login(B, user);
    assert.deepEqual(await twilioFor(emu, user.phone), { sends: 1, checks: 0, cancels: 0 });
    // The cooldown holds on another instance than the login's.
    const early = await A.post('/resend', undefined, { token: lg.mfa_token });
    expectProblem(early, 429, 'resend-cooldown');
    assert.equal((await twilioFor(emu, user.phone)).sends, 1, 'no SMS during the cooldown');
    expectStatus(await resendAfterCooldown(C, lg.mfa_token), 202);
    assert.equal(redisHash(env.REDIS_URL, pendingKey(lg.mfa_token)).sends, '2');

    const v = await verify(A, lg.mfa_token, await codeFor(emu.url, user.phone));
    assert.deepEqual(await twilioFor(emu, user.phone), { sends: 2, checks: 1, cancels: 0 });
    assert.equal(redisExists(env.REDIS_URL, pendingKey(lg.mfa_token)), false, 'the login is consumed');
    // A's access token opens /dashboard on every instance.
    for (const api of [B, C, A]) assert.equal((await dashboardOf(api, v.access_token)).user.id, user.id);
    expectProblem(await C.post('/verify', { code: '000000' }, { token: lg.mfa_token }), 401, 'invalid-token');
  });

  test('wrong_codes_spread_over_three_instances_end_the_login_at_the_cap', async () => {
    const user = await signup(C);
    const lg = await login(A, user);
    const code = await codeFor(emu.url, user.phone);
    const apis = [A, B, C, A];
    for (let i = 0; i < apis.length; i++) {
      const res = await apis[i].post('/verify', { code: wrongCode(code) }, { token: lg.mfa_token });
      expectProblem(res, 401, 'wrong-code');
      assert.equal(res.body.attempts_left, LIMITS.MAX_CODE_ATTEMPTS - 1 - i, res.text);
    }
    expectProblem(await B.post('/verify', { code: wrongCode(code) }, { token: lg.mfa_token }), 429, 'too-many-attempts');
    assert.equal(redisExists(env.REDIS_URL, pendingKey(lg.mfa_token)), false, 'the login ended');
    expectProblem(await C.post('/verify', { code }, { token: lg.mfa_token }), 401, 'invalid-token');
    assert.deepEqual(await twilioFor(emu, user.phone), { sends: 1, checks: 5, cancels: 1 });
  });

  test('resends_spread_over_three_instances_stop_at_the_cap', async () => {
    const user = await signup(A);
    const lg = await login(C, user);
    expectStatus(await resendAfterCooldown(A, lg.mfa_token), 202);
    expectStatus(await resendAfterCooldown(B, lg.mfa_token), 202);
    // The cap (3 SMS) holds on the third instance (it is checked before the cooldown).
    expectProblem(await C.post('/resend', undefined, { token: lg.mfa_token }), 429, 'resend-limit');
    assert.equal((await twilioFor(emu, user.phone)).sends, LIMITS.MAX_SENDS_PER_LOGIN);
    await verify(B, lg.mfa_token, await codeFor(emu.url, user.phone));
  });

  test('failed_passwords_spread_over_three_instances_lock_the_account', async () => {
    const user = await signup(B);
    for (const api of [A, B, C])
      expectProblem(await api.post('/login', { email: user.email, password: 'not the password' }), 401, 'invalid-credentials');
    assert.ok(redisExists(env.REDIS_URL, rateLimitKey('login-lock', user.email)), 'the third failure set the lock');
    for (const api of [A, B, C])
      expectProblem(await api.post('/login', { email: user.email, password: user.password }), 429, 'rate-limited');
    assert.equal((await twilioFor(emu, user.phone)).sends, 0, 'a locked account gets no SMS');
  });

  test('a_refresh_token_spent_on_one_instance_and_replayed_on_another_ends_the_session', async () => {
    const user = await signup(C);
    const lg = await login(C, user);
    const v = await verify(A, lg.mfa_token, await codeFor(emu.url, user.phone));
    const next = await B.post('/token/refresh', { refresh_token: v.refresh_token });
    expectStatus(next, 200);
    await dashboardOf(C, next.body.access_token);
    // The spent token again, on a third instance: a replay, so the whole session ends everywhere.
    expectProblem(await C.post('/token/refresh', { refresh_token: v.refresh_token }), 401, 'invalid-token');
    expectProblem(await A.post('/token/refresh', { refresh_token: next.body.refresh_token }), 401, 'invalid-token');
    for (const api of [A, B, C]) {
      expectProblem(await api.get('/dashboard', { token: next.body.access_token }), 401, 'invalid-token');
      expectProblem(await api.get('/dashboard', { token: v.access_token }), 401, 'invalid-token');
    }
    assert.equal(redisHash(env.REDIS_URL, `vg:rf:${decode(v.access_token).payload.sid}`).revoked, '1');
  });

  // Last: B does not come back.
  test('an_instance_killed_between_login_and_verify_another_finishes_without_a_new_sms', async () => {
    const user = await signup(A);
    const lg = await login(B, user);
    const code = await codeFor(emu.url, user.phone);
    await vgs[1].kill();
    assert.equal(vgs[1].signal, 'SIGKILL', 'B died of SIGKILL');
    await assert.rejects(B.get('/healthz'), /is verigate still running/);

    const v = await verify(C, lg.mfa_token, code);
    assert.deepEqual(await twilioFor(emu, user.phone), { sends: 1, checks: 1, cancels: 0 }, 'no second SMS after the kill');
    assert.equal((await dashboardOf(A, v.access_token)).user.id, user.id);
    assert.equal((await dashboardOf(C, v.access_token)).auth.aal, 'aal2');
    const row = await (await users(db)).findOne({ email: user.email });
    assert.equal(row.phone_verified, true, 'the verify on C wrote MongoDB');
  });
});
