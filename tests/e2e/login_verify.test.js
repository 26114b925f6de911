'use strict';
// The two-factor flow on the shared stack: login -> Twilio (emulator) -> Redis -> verify ->
// MongoDB -> dashboard, and what happens to wrong, repeated and concurrent codes.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { env, tool } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { users, closeMongo, redisHash, redisTtl, redisExists, redisKeys } = require('./lib/stores');
const { signup, login, codeFor, emulatorRecord, wrongCode, verify, assertMasked } = require('./lib/flow');
const { decode, now } = require('./lib/jwt');

const api = client(env.VG_URL);
const pendingKey = (mfaToken) => `vg:pending:${decode(mfaToken).payload.jti}`;

describe('login and verify', () => {
  after(closeMongo);

  test('happy_path_signup_login_verify_dashboard', async () => {
    const user = await signup(api);
    const t0 = now();
    // The email is matched normalised, as signup stored it.
    const lg = await login(api, Object.assign({}, user, { email: ` ${user.email.toUpperCase()} ` }));
    assert.equal(lg.token_type, 'Bearer');
    assert.equal(lg.channel, 'sms');
    assert.ok(Number.isInteger(lg.expires_in) && lg.expires_in > 0 && lg.expires_in <= 300, `expires_in ${lg.expires_in}`);
    assertMasked(lg.to, user.phone);
    const mfa = decode(lg.mfa_token);
    assert.deepEqual([mfa.header.alg, mfa.header.typ], ['HS256', 'JWT']);
    assert.equal(mfa.payload.sub, user.id);
    assert.equal(mfa.payload.aal, 'aal1');
    assert.deepEqual(mfa.payload.amr, ['pwd']);

    // Redis: the pending login, keyed by the token's jti, expiring with it.
    const key = pendingKey(lg.mfa_token);
    const pending = redisHash(env.REDIS_URL, key);
    assert.equal(pending.user_id, user.id, `${key}: ${JSON.stringify(pending)}`);
    assert.equal(pending.phone, user.phone);
    assert.match(pending.verification_sid || '', /^VE[0-9a-f]{32}$/);
    assert.equal(pending.sends, '1');
    assert.equal(pending.attempts, '0');
    assert.ok(Math.abs(Number(pending.last_send_at) - t0) <= 5, `last_send_at ${pending.last_send_at} vs ${t0}`);
    const ttl = redisTtl(env.REDIS_URL, key);
    assert.ok(ttl > 0 && ttl <= 300, `TTL ${ttl}`);

    // The emulator saw exactly one start for this phone, with the sid verigate stored.
    const rec = await emulatorRecord(env.EMULATOR_URL, user.phone);
    assert.ok(rec, 'the emulator has a verification for the phone');
    assert.equal(rec.status, 'pending');
    assert.equal(rec.sid, pending.verification_sid);
    assert.equal(rec.sends, 1);

    const v = await verify(api, lg.mfa_token, rec.code);
    assert.equal(v.token_type, 'Bearer');
    assert.ok(Number.isInteger(v.expires_in) && v.expires_in > 0 && v.expires_in <= 900, `expires_in ${v.expires_in}`);
    assert.equal(decode(v.access_token).header.typ, 'at+jwt');
    assert.equal(redisExists(env.REDIS_URL, key), false, 'the pending login is consumed');
    assert.equal(redisExists(env.REDIS_URL, key.replace('vg:pending:', 'vg:lock:')), false, 'and its verify lock released');
    const { ObjectId } = tool('mongodb');
    const doc = await (await users()).findOne({ _id: new ObjectId(user.id) });
    assert.equal(doc.phone_verified, true);

    const dash = await api.get('/dashboard', { token: v.access_token });
    expectStatus(dash, 200);
    const u = dash.body.user;
    assert.deepEqual({ id: u.id, name: u.name, username: u.username, email: u.email, phone: u.phone, phone_verified: u.phone_verified },
      { id: user.id, name: user.name, username: user.username, email: user.email, phone: user.phone, phone_verified: true });
    assert.ok(u.created_at, 'created_at');
    assert.ok(!('password_hash' in u) && !dash.text.includes('argon2'), 'no hash on the dashboard');
    assert.equal(dash.body.auth.aal, 'aal2');
    assert.deepEqual(dash.body.auth.amr, ['pwd', 'sms']);
    const authTime = typeof dash.body.auth.auth_time === 'number' ? dash.body.auth.auth_time : Date.parse(dash.body.auth.auth_time) / 1000;
    assert.ok(authTime >= t0 - 2 && authTime <= now() + 2, `auth_time ${dash.body.auth.auth_time}`);
  });

  test('a_returning_users_verify_does_not_write_phone_verified_again', async () => {
    const { ObjectId } = tool('mongodb');
    const user = await signup(api);
    const first = await login(api, user);
    assert.equal(redisHash(env.REDIS_URL, pendingKey(first.mfa_token)).phone_verified, '0');
    await verify(api, first.mfa_token, await codeFor(env.EMULATOR_URL, user.phone));
    const verified = await (await users()).findOne({ _id: new ObjectId(user.id) });
    assert.equal(verified.phone_verified, true);
    assert.ok(verified.updated_at > verified.created_at, 'the first verify wrote the user');

    // The next login carries phone_verified in its pending login, so its verify leaves the
    // user's document as it was.
    const again = await login(api, user);
    assert.equal(redisHash(env.REDIS_URL, pendingKey(again.mfa_token)).phone_verified, '1');
    const v = await verify(api, again.mfa_token, await codeFor(env.EMULATOR_URL, user.phone));
    expectStatus(await api.get('/dashboard', { token: v.access_token }), 200);
    const after = await (await users()).findOne({ _id: new ObjectId(user.id) });
    assert.deepEqual(after, verified);
  });

  test('login_unknown_email_and_wrong_password_answer_alike', async () => {
    const user = await signup(api);
    const wrong = await api.post('/login', { email: user.email, password: `${user.password}x` });
    const unknown = await api.post('/login', { email: `nobody_${user.username}@e2e.example`, password: user.password });
    expectProblem(wrong, 401, 'invalid-credentials');
    expectProblem(unknown, 401, 'invalid-credentials');
    assert.deepEqual(unknown.body, wrong.body, 'the two failures must be indistinguishable');
    assert.equal(unknown.headers.get('www-authenticate'), wrong.headers.get('www-authenticate'));
    assert.equal(await emulatorRecord(env.EMULATOR_URL, user.phone), null, 'no SMS for a wrong password');
    for (const k of redisKeys(env.REDIS_URL, 'vg:pending:*')) {
      assert.notEqual(redisHash(env.REDIS_URL, k).user_id, user.id, 'no pending login for a wrong password');
    }
  });

  test('login_unknown_email_spends_a_password_hash', async () => {
    // An unknown email must cost an Argon2id verify like a wrong password does: compare the
    // fastest of several tries of each (the minimum filters out scheduling noise). Timed on
    // verigate's own socket: a proxy in between would add its own time to both.
    const user = await signup(api);
    const direct = client(env.VG_DIRECT_URL);
    const time = async (body) => { const t = process.hrtime.bigint(); const r = await direct.post('/login', body); expectStatus(r, 401); return Number(process.hrtime.bigint() - t) / 1e6; };
    const wrong = [], unknown = [];
    for (let i = 0; i < 4; i++) {
      wrong.push(await time({ email: user.email, password: `bad-${i}-password` }));
      unknown.push(await time({ email: `ghost_${i}_${user.username}@e2e.example`, password: `bad-${i}-password` }));
    }
    const [w, u] = [Math.min(...wrong), Math.min(...unknown)];
    assert.ok(u >= 0.2 * w, `unknown email answered in ${u.toFixed(1)} ms, wrong password in ${w.toFixed(1)} ms: a timing oracle`);
  });

  test('wrong_code_counts_down_then_locks_out', async () => {
    const user = await signup(api);
    const lg = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    const bad = wrongCode(code);
    const key = pendingKey(lg.mfa_token);
    for (const left of [4, 3, 2, 1]) {
      const res = await api.post('/verify', { code: bad }, { token: lg.mfa_token });
      expectProblem(res, 401, 'wrong-code');
      assert.equal(res.body.attempts_left, left, res.text);
      assert.equal(redisHash(env.REDIS_URL, key).attempts, String(5 - left));
    }
    const fifth = await api.post('/verify', { code: bad }, { token: lg.mfa_token });
    expectProblem(fifth, 429, 'too-many-attempts');
    assert.equal(redisExists(env.REDIS_URL, key), false, 'the pending login is deleted on lock-out');
    // Even the right code no longer helps: the client must log in again.
    expectProblem(await api.post('/verify', { code }, { token: lg.mfa_token }), 401, 'invalid-token');
    expectProblem(await api.post('/resend', undefined, { token: lg.mfa_token }), 401, 'invalid-token');
    const { ObjectId } = tool('mongodb');
    assert.equal((await (await users()).findOne({ _id: new ObjectId(user.id) })).phone_verified, false);
  });

  test('verify_rejects_malformed_codes_without_spending_attempts', async () => {
    const user = await signup(api);
    const lg = await login(api, user);
    const cases = [{ code: 'abcdef' }, { code: '123' }, { code: '12345678901' }, { code: 123456 }, { code: '12 456' }, {}];
    for (const body of cases) {
      const res = await api.post('/verify', body, { token: lg.mfa_token });
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(res.body.errors.map((e) => e.field), ['code'], `${JSON.stringify(body)}: ${res.text}`);
    }
    assert.equal(redisHash(env.REDIS_URL, pendingKey(lg.mfa_token)).attempts, '0');
    const rec = await emulatorRecord(env.EMULATOR_URL, user.phone);
    assert.equal(rec.checks, 0, 'nothing reached Twilio');
    await verify(api, lg.mfa_token, rec.code);
  });

  test('mfa_token_reused_after_success_is_401', async () => {
    const user = await signup(api);
    const lg = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    await verify(api, lg.mfa_token, code);
    expectProblem(await api.post('/verify', { code }, { token: lg.mfa_token }), 401, 'invalid-token');
    expectProblem(await api.post('/resend', undefined, { token: lg.mfa_token }), 401, 'invalid-token');
  });

  test('concurrent_verify_exactly_one_wins', async () => {
    const user = await signup(api);
    const lg = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    const res = await Promise.all([0, 1, 2].map(() => api.post('/verify', { code }, { token: lg.mfa_token })));
    const winners = res.filter((r) => r.status === 200);
    assert.equal(winners.length, 1, res.map((r) => `${r.status} ${r.text}`).join('\n'));
    for (const r of res.filter((x) => x.status !== 200)) {
      assert.ok((r.status === 401 && r.body.type.endsWith('/invalid-token')) || (r.status === 409 && r.body.type.endsWith('/verification-in-progress')),
        `a loser must get 401 invalid-token or 409 verification-in-progress: ${r.status} ${r.text}`);
      if (r.status === 409) assert.ok(r.headers.get('retry-after'), '409 carries Retry-After');
    }
    assert.equal(redisExists(env.REDIS_URL, pendingKey(lg.mfa_token)), false);
    expectStatus(await api.get('/dashboard', { token: winners[0].body.access_token }), 200);
  });
});
