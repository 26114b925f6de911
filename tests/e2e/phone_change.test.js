'use strict';
// Issue 12: changing the phone number (POST /me/phone, /me/phone/verify) and phone ownership (a
// number is unique among verified numbers only: the first account to verify it owns it).
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { env, tool } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { users, closeMongo, redisExists } = require('./lib/stores');
const { newUser, signup, login, codeFor, verify, wrongCode, emulatorRequests, assertMasked, usPhone, ukMobile } = require('./lib/flow');
const { startVerigate, startEmulator, cleanupSpawned } = require('./lib/procs');

const api = client(env.VG_URL);
const bearer = (token) => ({ token });
const changeKey = (userId) => `vg:pending:phone.${userId}`;

// signup, then as many full logins as asked: each its own session.
async function withSessions(a, emuUrl, n, over = {}) {
  const user = await signup(a, newUser(over));
  const sessions = [];
  for (let i = 0; i < n; i++) {
    const lg = await login(a, user);
    sessions.push(await verify(a, lg.mfa_token, await codeFor(emuUrl, user.phone)));
  }
  return { user, sessions };
}

const { ObjectId } = tool('mongodb');
const masked = (phone) => `+${'*'.repeat(phone.length - 5)}${phone.slice(-4)}`;

async function userDoc(id, db) {
  return (await users(db)).findOne({ _id: new ObjectId(id) });
}

async function setVerified(id, db) {
  await (await users(db)).updateOne({ _id: new ObjectId(id) }, { $set: { phone_verified: true } });
}

// An own verigate with an own emulator, so that its request log is this test's alone.
async function instance(vars = {}) {
  const emu = await startEmulator();
  const vg = await startVerigate({ env: Object.assign({ TWILIO_VERIFY_BASE_URL: emu.url }, vars) });
  const startsTo = async (phone) => (await emulatorRequests(emu.url)).filter((r) => r.to === phone && r.path.endsWith('/Verifications')).length;
  return { api: client(vg.url), emu, vg, startsTo };
}

describe('phone change and phone ownership', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('phone_change_with_an_access_token_swaps_the_number_and_revokes_other_sessions', async () => {
    const { user, sessions: [other, mine] } = await withSessions(api, env.EMULATOR_URL, 2);
    const phone = usPhone();
    const started = await api.post('/me/phone', { phone }, bearer(mine.access_token));
    expectStatus(started, 202);
    assertMasked(started.body.to, phone);
    assert.equal(started.body.channel, 'sms');
    assert.equal(started.body.expires_in, 600);
    assert.ok(started.body.retry_after > 0, started.text);
    assert.ok(redisExists(env.REDIS_URL, changeKey(user.id)), 'the change waits in Redis');
    assert.equal((await userDoc(user.id)).phone, user.phone, 'nothing changes before the code');

    const code = await codeFor(env.EMULATOR_URL, phone); // the emulator saw a verification to it
    const done = await api.post('/me/phone/verify', { code }, bearer(mine.access_token));
    expectStatus(done, 200);
    assert.deepEqual(done.body, { to: started.body.to, login_required: false });
    const doc = await userDoc(user.id);
    assert.equal(doc.phone, phone);
    assert.equal(doc.phone_verified, true);
    assert.ok(!redisExists(env.REDIS_URL, changeKey(user.id)), 'the change is over');

    // Every other session ends, access and refresh token alike; the caller's goes on.
    expectProblem(await api.get('/dashboard', bearer(other.access_token)), 401, 'invalid-token');
    expectProblem(await api.post('/token/refresh', { refresh_token: other.refresh_token }), 401, 'invalid-token');
    const dash = await api.get('/dashboard', bearer(mine.access_token));
    expectStatus(dash, 200);
    expectStatus(await api.post('/token/refresh', { refresh_token: mine.refresh_token }), 200);
    // The next login sends its code to the new number.
    const lg = await login(api, user);
    assertMasked(lg.to, phone);
    const file = process.env.VG_LOG_FILE;
    if (file) {
      const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.includes(`event=phone_changed outcome=ok user=${user.id} `));
      assert.ok(line, 'an audit line of the change');
      assert.ok(line.includes(` from=${masked(user.phone)} to=${masked(phone)} `), line);
      assert.ok(!line.includes(phone) && !line.includes(user.phone), 'numbers are masked');
    }
  });

  test('phone_change_wrong_codes_count_and_the_last_ends_the_change', async () => {
    const { user, sessions: [s] } = await withSessions(api, env.EMULATOR_URL, 1);
    const phone = usPhone();
    expectStatus(await api.post('/me/phone', { phone }, bearer(s.access_token)), 202);
    const code = await codeFor(env.EMULATOR_URL, phone);
    for (let left = 4; left >= 1; left--) {
      const res = await api.post('/me/phone/verify', { code: wrongCode(code) }, bearer(s.access_token));
      expectProblem(res, 401, 'wrong-code');
      assert.equal(res.body.attempts_left, left);
    }
    const last = await api.post('/me/phone/verify', { code: wrongCode(code) }, bearer(s.access_token));
    expectProblem(last, 429, 'too-many-attempts');
    assert.equal(last.body.attempts_left, 0);
    assert.ok(!redisExists(env.REDIS_URL, changeKey(user.id)));
    expectProblem(await api.post('/me/phone/verify', { code }, bearer(s.access_token)), 401, 'verification-expired');
    assert.equal((await userDoc(user.id)).phone, user.phone);
  });

  test('a_second_phone_change_within_the_cooldown_is_429_with_retry_after', async () => {
    const { sessions: [s] } = await withSessions(api, env.EMULATOR_URL, 1);
    expectStatus(await api.post('/me/phone', { phone: usPhone() }, bearer(s.access_token)), 202);
    const again = await api.post('/me/phone', { phone: usPhone() }, bearer(s.access_token));
    expectProblem(again, 429, 'resend-cooldown');
    assert.ok(again.body.retry_after > 0 && again.body.retry_after <= 30, again.text);
    assert.equal(again.headers.get('retry-after'), String(again.body.retry_after));
  });

  test('phone_change_needs_an_access_token_or_the_mfa_token_of_an_unverified_account', async () => {
    const { user, sessions: [s] } = await withSessions(api, env.EMULATOR_URL, 1);
    for (const [path, body] of [['/me/phone', { phone: usPhone() }], ['/me/phone/verify', { code: '123456' }]]) {
      const none = await api.post(path, body);
      expectProblem(none, 401, 'invalid-token');
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="verigate"');
      expectProblem(await api.post(path, body, bearer('not.a.token')), 401, 'invalid-token');
      // An mfa_token of an account whose number is verified: the second factor is required.
      const lg = await login(api, user);
      const aal1 = await api.post(path, body, bearer(lg.mfa_token));
      expectProblem(aal1, 403, 'insufficient-authentication');
      assert.match(aal1.headers.get('www-authenticate') || '', /insufficient_user_authentication/);
    }
    // A revoked access token is refused too.
    expectStatus(await api.post('/logout', {}, bearer(s.access_token)), 204);
    expectProblem(await api.post('/me/phone', { phone: usPhone() }, bearer(s.access_token)), 401, 'invalid-token');
  });

  test('phone_change_refuses_bad_and_unchanged_numbers_spending_nothing', async () => {
    const { user, sessions: [s] } = await withSessions(api, env.EMULATOR_URL, 1);
    const cases = [{ phone: '12' }, { phone: '+1 800 234 5678' }, {}, { phone: 14155552671 },
      { phone: user.phone }, { phone: user.phone.slice(2), region: 'US' }, { phone: usPhone(), channel: 'pigeon' }];
    for (const body of cases) {
      const res = await api.post('/me/phone', body, bearer(s.access_token));
      expectProblem(res, 400, 'validation-error');
      assert.ok(res.body.errors.some((e) => e.field === 'phone' || e.field === 'channel'), res.text);
    }
    assert.ok(!redisExists(env.REDIS_URL, changeKey(user.id)), 'no change started');
  });

  test('phone_change_counts_against_the_sms_limits_of_logins', async () => {
    const { api: own, startsTo } = await instance({ SMS_PER_PHONE_10MIN: 1, SMS_ALLOWED_COUNTRIES: '1' });
    const holder = await signup(own);
    await login(own, holder); // the number's one SMS in 10 minutes
    const a = await signup(own);
    const lg = await login(own, a); // never verified: its mfa_token may change the number
    const res = await own.post('/me/phone', { phone: holder.phone }, bearer(lg.mfa_token));
    expectProblem(res, 429, 'sms-rate-limited');
    assert.ok(res.body.retry_after > 0, res.text);
    assert.equal(await startsTo(holder.phone), 1, 'no second SMS to the number');
    // A country the service does not send to.
    expectProblem(await own.post('/me/phone', { phone: ukMobile() }, bearer(lg.mfa_token)), 422, 'phone-not-deliverable');
  });

  test('phone_change_to_a_number_another_account_verified_is_409_and_sends_no_code', async () => {
    const { api: own, emu, startsTo } = await instance();
    const { user: owner } = await withSessions(own, emu.url, 1);
    const { user: other, sessions: [s] } = await withSessions(own, emu.url, 1);
    const before = await startsTo(owner.phone);
    const res = await own.post('/me/phone', { phone: owner.phone }, bearer(s.access_token));
    expectProblem(res, 409, 'phone-taken');
    assert.equal(await startsTo(owner.phone), before, 'its owner gets no code');
    assert.ok(!redisExists(env.REDIS_URL, changeKey(other.id)));
  });

  test('phone_change_loses_to_an_account_that_verified_the_number_meanwhile', async () => {
    const { user, sessions: [s] } = await withSessions(api, env.EMULATOR_URL, 1);
    const rival = await signup(api, newUser());
    expectStatus(await api.post('/me/phone', { phone: rival.phone }, bearer(s.access_token)), 202);
    const code = await codeFor(env.EMULATOR_URL, rival.phone);
    await setVerified(rival.id); // the rival proves the number first
    const res = await api.post('/me/phone/verify', { code }, bearer(s.access_token));
    expectProblem(res, 409, 'phone-taken');
    assert.equal((await userDoc(user.id)).phone, user.phone, 'the unique index refused the swap');
    assert.ok(!redisExists(env.REDIS_URL, changeKey(user.id)), 'the change ended');
    expectStatus(await api.get('/dashboard', bearer(s.access_token)), 200);
  });

  test('two_accounts_may_register_one_number_and_the_first_to_verify_owns_it', async () => {
    const { api: own, emu, vg, startsTo } = await instance();
    const phone = usPhone();
    const first = await signup(own, newUser({ phone })); // both 201: registering proves nothing
    const second = await signup(own, newUser({ phone }));
    const lgSecond = await login(own, second);
    const lgFirst = await login(own, first);
    const code = await codeFor(emu.url, phone);
    await verify(own, lgFirst.mfa_token, code);
    // The code was spent by the first: the second's login of the same verification is over.
    expectProblem(await own.post('/verify', { code }, bearer(lgSecond.mfa_token)), 401, 'verification-expired');
    assert.equal((await userDoc(first.id, vg.db)).phone_verified, true);
    assert.equal((await userDoc(second.id, vg.db)).phone_verified, false);

    // The second's next login sends nothing to the owner's number, and says why.
    const sent = await startsTo(phone);
    const refused = await own.post('/login', { email: second.email, password: second.password });
    expectProblem(refused, 409, 'phone-taken');
    assert.equal(typeof refused.body.mfa_token, 'string');
    assert.equal(refused.body.token_type, 'Bearer');
    assert.ok(refused.body.expires_in > 0);
    assert.equal(await startsTo(phone), sent, 'no SMS to the number of its owner');
    expectProblem(await own.post('/resend', {}, bearer(refused.body.mfa_token)), 401, 'invalid-token');
    assert.equal(await startsTo(phone), sent);

    // Its way out: the mfa_token changes the number, then the login goes through.
    const fresh = usPhone();
    const started = await own.post('/me/phone', { phone: fresh }, bearer(refused.body.mfa_token));
    expectStatus(started, 202);
    const done = await own.post('/me/phone/verify', { code: await codeFor(emu.url, fresh) }, bearer(refused.body.mfa_token));
    expectStatus(done, 200);
    assert.equal(done.body.login_required, true);
    const doc = await userDoc(second.id, vg.db);
    assert.equal(doc.phone, fresh);
    assert.equal(doc.phone_verified, true);
    expectProblem(await own.post('/me/phone', { phone: usPhone() }, bearer(refused.body.mfa_token)), 403, 'insufficient-authentication');
    const lg = await login(own, second);
    assertMasked(lg.to, fresh);
    await verify(own, lg.mfa_token, await codeFor(emu.url, fresh));
  });

  test('the_second_to_verify_a_number_gets_409_and_no_session', async () => {
    const phone = usPhone();
    const a = await signup(api, newUser({ phone }));
    const b = await signup(api, newUser({ phone }));
    const lg = await login(api, b);
    await setVerified(a.id); // a proved the number meanwhile (another verification)
    const res = await api.post('/verify', { code: await codeFor(env.EMULATOR_URL, phone) }, bearer(lg.mfa_token));
    expectProblem(res, 409, 'phone-taken');
    assert.ok(!('access_token' in res.body));
    assert.equal((await userDoc(b.id)).phone_verified, false, 'the unique index refused it');
    expectProblem(await api.post('/verify', { code: '123456' }, bearer(lg.mfa_token)), 401, 'invalid-token');
  });

  test('the_phone_index_is_unique_among_verified_numbers_only', async () => {
    const coll = await users();
    const specs = await coll.indexes();
    const idx = specs.find((i) => i.name === 'phone_verified_1');
    assert.ok(idx, JSON.stringify(specs));
    assert.deepEqual(idx.key, { phone: 1 });
    assert.equal(idx.unique, true);
    assert.deepEqual(idx.partialFilterExpression, { phone_verified: true });
    assert.ok(!specs.some((i) => i.name === 'phone_1'), 'the old full index is gone');
    const phone = usPhone();
    const doc = (verified) => ({ name: 'Idx', username: `idx_${crypto.randomBytes(5).toString('hex')}`,
      email: `idx_${crypto.randomBytes(5).toString('hex')}@e2e.example`, phone, password_hash: 'x', phone_verified: verified, created_at: new Date() });
    await coll.insertMany([doc(false), doc(false), doc(true)]);
    await assert.rejects(coll.insertOne(doc(true)), (e) => e.code === 11000);
  });

  // The old full index phone_1 of a deployment from before phone ownership: dropped at start
  // where the server has dropIndexes (MongoDB); jongodb has none, so there the start goes on with
  // it, says so, and a number stays unique among all users until an operator drops it.
  test('an_old_full_phone_1_index_is_replaced_at_start', async () => {
    const db = `vg_e2e_${crypto.randomBytes(4).toString('hex')}`;
    const coll = await users(db);
    await coll.createIndex({ phone: 1 }, { name: 'phone_1', unique: true });
    const phone = usPhone();
    await coll.insertOne({ name: 'Old', username: `old_${crypto.randomBytes(4).toString('hex')}`,
      email: `old_${crypto.randomBytes(4).toString('hex')}@e2e.example`, phone, password_hash: 'x', phone_verified: true, created_at: new Date() });
    const canDrop = await (await users(`${db}_probe`)).createIndex({ x: 1 }, { name: 'x_1' })
      .then(async (name) => (await users(`${db}_probe`)).dropIndex(name)).then(() => true, (e) => (e.code === 59 ? false : Promise.reject(e)));
    const vg = await startVerigate({ db });
    const names = (await coll.indexes()).map((i) => i.name);
    assert.ok(names.includes('phone_verified_1'), names.join(', '));
    const own = client(vg.url);
    await signup(own, newUser({ phone: usPhone() }));
    if (canDrop) {
      assert.match(vg.output(), /INFO: mongodb: dropped the index phone_1 \(a phone unique among all numbers\): phone_verified_1 keeps it unique among verified numbers/);
      assert.ok(!names.includes('phone_1'), names.join(', '));
      // The number is still its owner's, and may be registered by others.
      await signup(own, newUser({ phone }));
      await signup(own, newUser({ phone }));
    } else {
      assert.match(vg.output(), /ERROR: mongodb: the server cannot drop the index phone_1 \(no dropIndexes\): until it is dropped \(db\.users\.dropIndex\("phone_1"\)\), a number stays unique among all users, verified or not/);
      assert.ok(names.includes('phone_1'), names.join(', '));
      const res = await own.post('/signup', newUser({ phone }));
      expectProblem(res, 409, 'already-exists'); // the old rule, until the index is dropped
    }
    // A second start finds nothing new to do, and says the same.
    const again = await startVerigate({ db });
    assert.ok(!/dropped the index/.test(again.output()) || !canDrop, again.output());
    assert.equal(/cannot drop the index phone_1/.test(again.output()), !canDrop, again.output());
  });
});
