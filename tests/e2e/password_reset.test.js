'use strict';
// Password reset ("forgot password", issue 12) on the real stack: POST /password/forgot answers
// alike for every address and sends its SMS after the answer; POST /password/reset checks the
// code with the emulator, sets the password in MongoDB and ends every session. Tests that count
// the emulator's requests or set limits run on instances of their own.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, databaseOf, redis, redisHash, redisExists, users } = require('./lib/stores');
const { newUser, signup, login, verify, codeFor, emulatorRecord, emulatorRequests, emulatorFault, wrongCode, freshIp } = require('./lib/flow');
const { startVerigate, startEmulator, cleanupSpawned, sleep } = require('./lib/procs');
const { rateLimitKey } = require('./lib/ratelimit');
const J = require('./lib/jwt');

const api = client(env.VG_URL);
const as = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
const resetKey = (resetToken) => `vg:pending:reset.${J.decode(resetToken).payload.jti}`;
const starts = async (emuUrl) => (await emulatorRequests(emuUrl)).filter((r) => r.path.endsWith('/Verifications'));

// An own instance (own emulator and database) with these settings.
async function instance(settings = {}) {
  const emu = await startEmulator();
  const vg = await startVerigate({ env: Object.assign({ TWILIO_VERIFY_BASE_URL: emu.url, TRUSTED_PROXIES: '127.0.0.1/32' }, settings) });
  return { api: client(vg.url), emu, vg };
}

// signup, login, verify: a user whose phone is verified, with the session /verify started.
async function verifiedUser(a = api, emuUrl = env.EMULATOR_URL) {
  const user = await signup(a);
  const lg = await login(a, user);
  const session = await verify(a, lg.mfa_token, await codeFor(emuUrl, user.phone));
  return Object.assign(user, { session });
}

// Waits (up to 10 s) until the emulator holds a pending verification for phone other than the
// one named before (sid), i.e. the reset's SMS has gone out; answers its code.
async function resetCode(emuUrl, phone, before) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const rec = await emulatorRecord(emuUrl, phone);
    if (rec && rec.status === 'pending' && (!before || rec.sid !== before.sid || rec.sends > before.sends)) return rec.code;
    assert.ok(Date.now() < deadline, `no reset SMS to ${phone}: ${JSON.stringify(rec)}`);
    await sleep(25);
  }
}

async function forgot(a, email, opts) {
  const res = await a.post('/password/forgot', { email }, opts);
  expectStatus(res, 202);
  return res.body;
}

const reset = (a, body) => a.post('/password/reset', body);

describe('password reset', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('full_reset_sets_the_password_and_ends_every_session', async () => {
    const user = await verifiedUser();
    const coll = await users(databaseOf(env.MONGODB_URI));
    const before = await coll.findOne({ email: user.email });
    const seen = await emulatorRecord(env.EMULATOR_URL, user.phone);
    const f = await forgot(api, user.email);
    assert.deepEqual(f.factors, ['sms', 'totp', 'recovery']); // the shared instance has a factor key
    const code = await resetCode(env.EMULATOR_URL, user.phone, seen);
    const newPassword = 'a brand new horse 42';
    const done = await reset(api, { reset_token: f.reset_token, code, new_password: newPassword });
    expectStatus(done, 204);
    const after = await coll.findOne({ email: user.email });
    assert.notEqual(after.password_hash, before.password_hash, 'MongoDB holds a new hash');
    assert.match(after.password_hash, /^\$argon2id\$/);
    assert.ok(!redisExists(env.REDIS_URL, resetKey(f.reset_token)), 'the reset is over');
    expectProblem(await api.post('/login', { email: user.email, password: user.password }), 401, 'invalid-credentials');
    await login(api, Object.assign({}, user, { password: newPassword }));
    expectProblem(await api.post('/token/refresh', { refresh_token: user.session.refresh_token }), 401, 'invalid-token');
    expectProblem(await api.get('/dashboard', { token: user.session.access_token }), 401, 'invalid-token');
    expectProblem(await reset(api, { reset_token: f.reset_token, code, new_password: 'yet another one 43' }), 401, 'invalid-token');
  });

  test('unknown_address_answers_alike_and_sends_nothing', async () => {
    const { api: own, emu } = await instance();
    const user = await verifiedUser(own, emu.url);
    const sentBefore = (await starts(emu.url)).length;
    const ghost = await own.post('/password/forgot', { email: newUser().email });
    const real = await own.post('/password/forgot', { email: user.email });
    for (const r of [ghost, real]) expectStatus(r, 202);
    const names = (r) => [...r.headers.keys()].filter((h) => h !== 'date' && h !== 'x-request-id').sort();
    assert.deepEqual(names(ghost), names(real), 'the same headers');
    for (const h of names(real)) if (h !== 'content-length') assert.equal(ghost.headers.get(h), real.headers.get(h), h);
    assert.deepEqual(Object.keys(ghost.body).sort(), Object.keys(real.body).sort(), 'the same members');
    assert.deepEqual(ghost.body.factors, real.body.factors);
    assert.ok(Math.abs(ghost.body.expires_in - real.body.expires_in) <= 1);
    const [g, t] = [J.decode(ghost.body.reset_token), J.decode(real.body.reset_token)];
    assert.deepEqual(g.header, t.header, 'the same JOSE header');
    assert.deepEqual(Object.keys(g.payload).sort(), Object.keys(t.payload).sort(), 'the same claims');
    assert.equal(g.payload.sub, undefined, 'no subject in a reset token');
    // A wrong code answers alike too.
    const [gw, tw] = [await reset(own, { reset_token: ghost.body.reset_token, code: '000000', new_password: 'whatever it is 1' }),
      await reset(own, { reset_token: real.body.reset_token, code: '000000', new_password: 'whatever it is 1' })];
    expectProblem(gw, 401, 'wrong-code');
    expectProblem(tw, 401, 'wrong-code');
    assert.deepEqual(gw.body, tw.body);
    // The real SMS went out after its answer; the unknown address queued none.
    await resetCode(emu.url, user.phone, null);
    const sent = (await starts(emu.url)).slice(sentBefore);
    assert.deepEqual(sent.map((r) => r.to), [user.phone], 'one SMS, to the account\'s phone');
    assert.equal(redisHash(env.REDIS_URL, resetKey(ghost.body.reset_token)).phone, '', 'a decoy names no phone');
  });

  test('a_wrong_code_waits_on_twilio_alike_for_an_unknown_address', async () => {
    const { api: own, emu } = await instance();
    const user = await verifiedUser(own, emu.url);
    const real = await forgot(own, user.email);
    await resetCode(emu.url, user.phone, null);
    const ghost = await forgot(own, newUser().email);
    await emulatorFault(emu.url, { operation: 'check', count: 2, delay_ms: 600 });
    const timed = async (token) => {
      const t0 = Date.now();
      const r = await reset(own, { reset_token: token, code: '000000', new_password: 'whatever it is 2' });
      return { r, took: Date.now() - t0 };
    };
    const [g, t] = [await timed(ghost.reset_token), await timed(real.reset_token)];
    for (const { r, took } of [g, t]) {
      expectProblem(r, 401, 'wrong-code');
      assert.ok(took >= 550, `answered in ${took} ms, before Twilio did`);
    }
    assert.deepEqual(g.r.body, t.r.body);
    const checks = (await emulatorRequests(emu.url)).filter((q) => q.path.endsWith('/VerificationCheck')).slice(-2);
    assert.match(checks[0].to, /^\+15555550[1][0-9]{2}$/, 'the decoy asks about a fictional number');
    assert.equal(checks[1].to, user.phone);
  });

  test('unverified_phone_gets_no_sms', async () => {
    const { api: own, emu } = await instance();
    const user = await signup(own); // never verified
    const other = await verifiedUser(own, emu.url);
    const sentBefore = (await starts(emu.url)).length;
    const f = await forgot(own, user.email);
    await forgot(own, other.email);
    await resetCode(emu.url, other.phone, null);
    const sent = (await starts(emu.url)).slice(sentBefore);
    assert.deepEqual(sent.map((r) => r.to), [other.phone], 'no SMS to the unverified phone');
    const rec = redisHash(env.REDIS_URL, resetKey(f.reset_token));
    assert.deepEqual([rec.user_id, rec.phone, rec.sends], ['', '', '0'], 'a reset no code can finish');
  });

  test('wrong_codes_count_down_and_the_last_ends_the_reset', async () => {
    const user = await verifiedUser();
    const seen = await emulatorRecord(env.EMULATOR_URL, user.phone);
    const f = await forgot(api, user.email);
    const code = await resetCode(env.EMULATOR_URL, user.phone, seen);
    const body = { reset_token: f.reset_token, code: wrongCode(code), new_password: 'a new password 99' };
    for (let left = 4; left >= 1; left--) {
      const r = await reset(api, body);
      expectProblem(r, 401, 'wrong-code');
      assert.equal(r.body.attempts_left, left);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="verigate"');
    }
    const last = await reset(api, body);
    expectProblem(last, 429, 'too-many-attempts');
    assert.equal(last.body.attempts_left, 0);
    assert.ok(!redisExists(env.REDIS_URL, resetKey(f.reset_token)), 'the reset is gone');
    expectProblem(await reset(api, Object.assign({}, body, { code })), 401, 'invalid-token');
    await login(api, user); // the password is unchanged
  });

  test('reset_token_refused_at_verify_resend_and_aal2_routes_and_mfa_token_refused_at_reset', async () => {
    const user = await verifiedUser();
    const f = await forgot(api, user.email);
    expectProblem(await api.post('/verify', { code: '123456' }, { token: f.reset_token }), 401, 'invalid-token');
    expectProblem(await api.post('/resend', {}, { token: f.reset_token }), 401, 'invalid-token');
    expectProblem(await api.get('/dashboard', { token: f.reset_token }), 401, 'invalid-token');
    expectProblem(await api.post('/logout', {}, { token: f.reset_token }), 401, 'invalid-token');
    const lg = await login(api, user);
    const body = { code: '123456', new_password: 'a new password 77' };
    expectProblem(await reset(api, Object.assign({ reset_token: lg.mfa_token }, body)), 401, 'invalid-token');
    expectProblem(await reset(api, Object.assign({ reset_token: user.session.access_token }, body)), 401, 'invalid-token');
    assert.ok(redisExists(env.REDIS_URL, `vg:pending:${J.decode(lg.mfa_token).payload.jti}`), 'the login is untouched');
  });

  test('weak_new_password_is_refused_and_changes_nothing', async () => {
    const user = await verifiedUser();
    const coll = await users(databaseOf(env.MONGODB_URI));
    const before = await coll.findOne({ email: user.email });
    const seen = await emulatorRecord(env.EMULATOR_URL, user.phone);
    const f = await forgot(api, user.email);
    const code = await resetCode(env.EMULATOR_URL, user.phone, seen);
    const weak = await reset(api, { reset_token: f.reset_token, code, new_password: 'short' });
    expectProblem(weak, 400, 'validation-error');
    assert.deepEqual(weak.body.errors.map((e) => e.field), ['new_password']);
    const push = await reset(api, { reset_token: f.reset_token, code, new_password: 'long enough now 1', factor: 'push' });
    expectProblem(push, 400, 'validation-error');
    assert.deepEqual(push.body.errors, [{ field: 'factor', message: 'must be one of: sms, totp, recovery' }]);
    assert.equal((await coll.findOne({ email: user.email })).password_hash, before.password_hash);
    assert.equal(redisHash(env.REDIS_URL, resetKey(f.reset_token)).attempts, '0', 'no attempt spent');
    assert.equal((await emulatorRecord(env.EMULATOR_URL, user.phone)).status, 'pending', 'the code was not checked');
    expectStatus(await reset(api, { reset_token: f.reset_token, code, new_password: 'long enough now 1' }), 204);
  });

  test('forgot_is_limited_per_ip_and_per_address_alike', async () => {
    const { api: own, emu } = await instance({ RESETS_PER_IP_HOUR: '2', RESETS_PER_ADDRESS_HOUR: '2' });
    const ip = freshIp();
    await forgot(own, newUser().email, as(ip));
    await forgot(own, newUser().email, as(ip));
    const byIp = await own.post('/password/forgot', { email: newUser().email }, as(ip));
    expectProblem(byIp, 429, 'rate-limited');
    const wait = Number(byIp.headers.get('retry-after'));
    assert.ok(wait > 3500 && wait <= 3600 && byIp.body.retry_after === wait, `Retry-After ${wait}`);
    await forgot(own, newUser().email, as(freshIp())); // another IP is not limited
    // Per address: an account and an unknown address are limited alike.
    const user = await verifiedUser(own, emu.url);
    const ghost = newUser().email;
    for (let i = 0; i < 2; i++) {
      await forgot(own, user.email, as(freshIp()));
      await forgot(own, ghost, as(freshIp()));
    }
    const [r1, r2] = [await own.post('/password/forgot', { email: user.email }, as(freshIp())),
      await own.post('/password/forgot', { email: ghost }, as(freshIp()))];
    expectProblem(r1, 429, 'rate-limited');
    expectProblem(r2, 429, 'rate-limited');
    assert.ok(redisExists(env.REDIS_URL, rateLimitKey('reset-address-hour', ghost)), 'counted for the unknown address');
  });

  test('second_forgot_within_the_cooldown_sends_no_second_sms', async () => {
    const { api: own, emu } = await instance({ RESEND_COOLDOWN_SECONDS: '30' });
    const user = await verifiedUser(own, emu.url);
    const first = await forgot(own, user.email);
    const code = await resetCode(emu.url, user.phone, null);
    const sentBefore = (await starts(emu.url)).length;
    const second = await forgot(own, user.email);
    assert.equal(redisHash(env.REDIS_URL, resetKey(second.reset_token)).sends, '0', 'no send was queued');
    // A later account's SMS goes out; still nothing more to the first phone.
    const other = await verifiedUser(own, emu.url);
    const seen = await emulatorRecord(emu.url, other.phone);
    await forgot(own, other.email);
    await resetCode(emu.url, other.phone, seen);
    const sent = (await starts(emu.url)).slice(sentBefore).filter((r) => r.to === user.phone);
    assert.deepEqual(sent, [], 'no second SMS within the cooldown');
    // The code of the first SMS finishes the second reset.
    expectStatus(await reset(own, { reset_token: second.reset_token, code, new_password: 'the second token 5' }), 204);
    assert.ok(redisExists(env.REDIS_URL, resetKey(first.reset_token)), 'the first reset stays until it expires');
  });

  test('forgot_answers_before_twilio_does', async () => {
    const { api: own, emu } = await instance();
    const user = await verifiedUser(own, emu.url);
    await emulatorFault(emu.url, { operation: 'start', count: 1, delay_ms: 2000 });
    const t0 = Date.now();
    await forgot(own, user.email);
    const took = Date.now() - t0;
    assert.ok(took < 1000, `the 202 waited ${took} ms for Twilio`);
    await resetCode(emu.url, user.phone, await emulatorRecord(emu.url, user.phone));
  });

  test('a_failed_send_gives_the_sms_limits_back', async () => {
    const { api: own, emu } = await instance();
    const user = await verifiedUser(own, emu.url);
    await emulatorFault(emu.url, { operation: 'start', count: 1, status: 503, code: 20500 });
    const f = await forgot(own, user.email);
    const deadline = Date.now() + 10000;
    // The job gives back after Twilio refused, the reset's send last.
    while (redisHash(env.REDIS_URL, resetKey(f.reset_token)).sends !== '0') {
      assert.ok(Date.now() < deadline, 'the failed send was not given back');
      await sleep(25);
    }
    assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey('reset-send', user.email)), '0', 'the cooldown is given back');
    assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey('sms-phone-10min', user.phone)), '1', 'only the login\'s SMS stays counted');
    await forgot(own, user.email); // no cooldown: a new SMS goes out
    await resetCode(emu.url, user.phone, null);
  });
});
