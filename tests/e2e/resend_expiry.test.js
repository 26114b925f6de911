'use strict';
// Resend cooldown and cap, mfa_token expiry and scale-out: cases that mostly need their own
// verigate configuration. Own instances share the shared MongoDB server (own databases), Redis and
// emulator; nothing here touches the shared emulator's state beyond its own phone numbers.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, databaseOf, redis, redisHash, redisExists } = require('./lib/stores');
const { signup, login, codeFor, emulatorRecord, verify, wrongCode, assertMasked } = require('./lib/flow');
const { startVerigate, cleanupSpawned, sleep } = require('./lib/procs');
const { decode, signMfa, now } = require('./lib/jwt');

const shared = client(env.VG_URL);
const pendingKey = (mfaToken) => `vg:pending:${decode(mfaToken).payload.jti}`;

describe('resend, expiry and scale-out', () => {
  let noCooldown, shortCooldown, twin;

  before(async () => {
    [noCooldown, shortCooldown, twin] = await Promise.all([
      startVerigate({ env: { RESEND_COOLDOWN_SECONDS: 0, MAX_SENDS_PER_LOGIN: 5 } }),
      startVerigate({ env: { RESEND_COOLDOWN_SECONDS: 2 } }),
      // Same database, Redis and key as the shared instance: a second replica behind a balancer.
      startVerigate({ db: databaseOf(env.MONGODB_URI) }),
    ]);
  });

  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('resend_cooldown_then_cap', async () => {
    // Cooldown, on the shared instance (RESEND_COOLDOWN_SECONDS 30).
    const u1 = await signup(shared);
    const l1 = await login(shared, u1);
    const cool = await shared.post('/resend', undefined, { token: l1.mfa_token });
    expectProblem(cool, 429, 'resend-cooldown');
    assert.ok(Number.isInteger(cool.body.retry_after) && cool.body.retry_after >= 1 && cool.body.retry_after <= 30, cool.text);
    assert.equal(cool.headers.get('retry-after'), String(cool.body.retry_after));
    assert.equal((await emulatorRecord(env.EMULATOR_URL, u1.phone)).sends, 1, 'no second SMS during the cooldown');
    assert.equal(redisHash(env.REDIS_URL, pendingKey(l1.mfa_token)).sends, '1');

    // Cap, on an instance without cooldown: the login's send plus 4 resends, then 429.
    const api = client(noCooldown.url);
    const u2 = await signup(api);
    const l2 = await login(api, u2);
    const code = await codeFor(env.EMULATOR_URL, u2.phone);
    for (let sends = 2; sends <= 5; sends++) {
      const res = await api.post('/resend', sends % 2 ? {} : undefined, { token: l2.mfa_token });
      expectStatus(res, 202);
      assert.equal(res.body.channel, 'sms');
      assertMasked(res.body.to, u2.phone);
      assert.equal(res.body.retry_after, 0, res.text);
      assert.equal(redisHash(env.REDIS_URL, pendingKey(l2.mfa_token)).sends, String(sends));
      const rec = await emulatorRecord(env.EMULATOR_URL, u2.phone);
      assert.equal(rec.sends, sends, 'each resend reached Twilio');
      assert.equal(rec.code, code, 'Twilio re-sends the same code');
    }
    const capped = await api.post('/resend', {}, { token: l2.mfa_token });
    expectProblem(capped, 429, 'resend-limit');
    assert.ok(Number(capped.headers.get('retry-after')) > 0, `Retry-After: ${capped.headers.get('retry-after')}`);
    assert.equal((await emulatorRecord(env.EMULATOR_URL, u2.phone)).sends, 5, 'no sixth SMS');
    // The login is still pending and the code still good.
    await verify(api, l2.mfa_token, code);
  });

  test('resend_allowed_again_after_cooldown', async () => {
    const api = client(shortCooldown.url);
    const user = await signup(api);
    const lg = await login(api, user);
    const early = await api.post('/resend', undefined, { token: lg.mfa_token });
    expectProblem(early, 429, 'resend-cooldown');
    assert.ok(early.body.retry_after >= 1 && early.body.retry_after <= 2, early.text);
    await sleep(2200);
    const res = await api.post('/resend', undefined, { token: lg.mfa_token });
    expectStatus(res, 202);
    assert.equal(res.body.retry_after, 2);
    assert.equal((await emulatorRecord(env.EMULATOR_URL, user.phone)).sends, 2);
  });

  test('resend_records_a_new_verification_so_a_lock_out_cancels_the_right_one', async () => {
    // Two logins of one user share Twilio's verification of that phone. When one locks out,
    // verigate cancels it; the other's resend then starts a new one, which must become that
    // login's, or its own lock-out would cancel the old one again and leave a spent code pending.
    const api = client(noCooldown.url);
    const user = await signup(api);
    const first = await login(api, user);
    const second = await login(api, user);
    const shared = await emulatorRecord(env.EMULATOR_URL, user.phone);
    assert.equal(shared.sends, 2, 'both logins reached the same verification');
    const lockOut = async (mfaToken) => {
      const bad = wrongCode(await codeFor(env.EMULATOR_URL, user.phone));
      for (let i = 1; i < 5; i++) expectProblem(await api.post('/verify', { code: bad }, { token: mfaToken }), 401, 'wrong-code');
      expectProblem(await api.post('/verify', { code: bad }, { token: mfaToken }), 429, 'too-many-attempts');
    };
    await lockOut(first.mfa_token);
    assert.equal((await emulatorRecord(env.EMULATOR_URL, user.phone)).status, 'canceled');

    expectStatus(await api.post('/resend', {}, { token: second.mfa_token }), 202);
    const renewed = await emulatorRecord(env.EMULATOR_URL, user.phone);
    assert.notEqual(renewed.sid, shared.sid);
    assert.equal(renewed.status, 'pending');
    assert.equal(redisHash(env.REDIS_URL, pendingKey(second.mfa_token)).verification_sid, renewed.sid);

    await lockOut(second.mfa_token);
    const after = await emulatorRecord(env.EMULATOR_URL, user.phone);
    assert.equal(after.sid, renewed.sid);
    assert.equal(after.status, 'canceled', 'the new verification was canceled, not the old one again');
  });

  test('expired_mfa_token_is_401', async () => {
    // MFA_TOKEN_TTL cannot go below 30 s, so expiry is shown both ways it can happen, without
    // waiting for it: (1) the token's exp has passed while its pending login still exists;
    // (2) the pending login's Redis TTL ran out while the token is still unexpired.
    const user = await signup(shared);
    const lg = await login(shared, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    const key = pendingKey(lg.mfa_token);
    const { header, payload } = decode(lg.mfa_token);
    const t = now();
    const expired = signMfa(header, Object.assign({}, payload, { iat: t - 3900, exp: t - 3600 }));
    expectProblem(await shared.post('/verify', { code }, { token: expired }), 401, 'invalid-token');
    expectProblem(await shared.post('/resend', undefined, { token: expired }), 401, 'invalid-token');
    assert.equal(redisExists(env.REDIS_URL, key), true, 'the rejection did not touch the pending login');
    // Control: the same claims re-signed with a live exp are accepted (a wrong code is counted).
    const live = signMfa(header, Object.assign({}, payload, { iat: t, exp: t + 120 }));
    const wrong = await shared.post('/verify', { code: wrongCode(code) }, { token: live });
    expectProblem(wrong, 401, 'wrong-code');
    assert.equal(wrong.body.attempts_left, 4);

    redis(env.REDIS_URL, 'PEXPIRE', key, 300);
    await sleep(600);
    assert.equal(redisExists(env.REDIS_URL, key), false);
    expectProblem(await shared.post('/verify', { code }, { token: lg.mfa_token }), 401, 'invalid-token');
    expectProblem(await shared.post('/resend', undefined, { token: lg.mfa_token }), 401, 'invalid-token');
    assert.equal((await emulatorRecord(env.EMULATOR_URL, user.phone)).checks, 1, 'only the control reached Twilio');
  });

  test('login_on_one_instance_verifies_on_another', async () => {
    const other = client(twin.url);
    const user = await signup(shared);
    const lg = await login(shared, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    const v = await verify(other, lg.mfa_token, code);
    expectStatus(await shared.get('/dashboard', { token: v.access_token }), 200);
    expectStatus(await other.get('/dashboard', { token: v.access_token }), 200);
    expectProblem(await shared.post('/verify', { code }, { token: lg.mfa_token }), 401, 'invalid-token');
  });
});
