'use strict';
// Issue 12: the signed-in user's own sessions and account on the real stack. GET /sessions lists
// each session with what it was started from (User-Agent, the client's /24 or /48, never the
// address), DELETE /sessions/{id} ends one on every instance, POST /me/password changes the
// password and ends the other sessions, DELETE /me deletes the account and every token of it at
// once. A second instance of our own (B) shares the shared instance's Redis and MongoDB; it trusts
// 127.0.0.1 as a proxy, so a test can give its client an address with X-Forwarded-For.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, databaseOf, redis, redisHash, redisExists, users } = require('./lib/stores');
const { newUser, signup, login, codeFor, verify, freshIp } = require('./lib/flow');
const { startVerigate, cleanupSpawned } = require('./lib/procs');
const { rateLimitKey } = require('./lib/ratelimit');
const J = require('./lib/jwt');

const A = client(env.VG_URL);
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const sidOf = (accessToken) => J.decode(accessToken).payload.sid;
const BARE = 'Bearer realm="verigate"';
let B;

// login + verify of user on api, the /verify sent with headers: a new session.
async function signIn(api, user, headers = {}) {
  const lg = await login(api, user);
  const code = await codeFor(env.EMULATOR_URL, user.phone);
  const res = await api.post('/verify', { code }, { token: lg.mfa_token, headers });
  expectStatus(res, 200);
  return Object.assign({ user, sid: sidOf(res.body.access_token) }, res.body);
}

const sessionsOf = async (api, accessToken) => {
  const res = await api.get('/sessions', { token: accessToken });
  expectStatus(res, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return res.body.sessions;
};
const dashboard = (api, accessToken) => api.get('/dashboard', { token: accessToken });
const refresh = (api, refreshToken) => api.post('/token/refresh', { refresh_token: refreshToken });
const deleteSession = (api, accessToken, id) => api.request('DELETE', `/sessions/${encodeURIComponent(id)}`, { token: accessToken });
const changePassword = (api, accessToken, body) => api.post('/me/password', body, { token: accessToken });
const deleteMe = (api, accessToken, body) => api.request('DELETE', '/me', body === undefined ? { token: accessToken } : { token: accessToken, json: body });

describe('the signed-in user: sessions, password, account', () => {
  before(async () => {
    const b = await startVerigate({ db: databaseOf(env.MONGODB_URI), env: { TRUSTED_PROXIES: '127.0.0.1/32' } });
    B = client(b.url);
  });

  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('sessions_list_shows_each_session_with_its_client_and_marks_the_callers', async () => {
    const user = await signup(A);
    const ipv4 = freshIp();
    const ipv6 = `2001:db8:${crypto.randomInt(1, 0xffff).toString(16)}:12:34::7`;
    const first = await signIn(B, user, { 'User-Agent': 'Laptop\tBrowser/1.0', 'X-Forwarded-For': ipv4 });
    const second = await signIn(B, user, { 'User-Agent': 'MyApp/2.3 (iPhone)', 'X-Forwarded-For': ipv6 });
    // The list is newest first by the second a session started: the first is made a minute older,
    // so that two sign-ins within one second still have an order to check.
    const created = Number(redisHash(env.REDIS_URL, `vg:rf:${first.sid}`).created);
    redis(env.REDIS_URL, 'HSET', `vg:rf:${first.sid}`, 'created', created - 60, 'refreshed', created - 60);
    const list = await sessionsOf(A, second.access_token);
    assert.deepEqual(list.map((s) => s.id), [second.sid, first.sid], 'newest first');
    const byId = Object.fromEntries(list.map((s) => [s.id, s]));
    assert.equal(byId[second.sid].current, true);
    assert.equal(byId[first.sid].current, false);
    assert.equal(byId[first.sid].user_agent, 'LaptopBrowser/1.0', 'control characters dropped');
    assert.equal(byId[second.sid].user_agent, 'MyApp/2.3 (iPhone)');
    assert.equal(byId[first.sid].ip_prefix, ipv4.replace(/\.\d+$/, '.0/24'));
    const v6 = ipv6.split(':');
    assert.equal(byId[second.sid].ip_prefix, `${v6[0]}:${v6[1]}:${v6[2]}::/48`);
    for (const s of list) {
      assert.match(s.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(s.refreshed_at, s.created_at, 'never refreshed yet');
      assert.ok(Math.abs(Date.parse(s.created_at) - Date.now()) < 120000, s.created_at);
    }
    // From the other session the same list, with the other one marked.
    const fromFirst = await sessionsOf(B, first.access_token);
    assert.deepEqual(fromFirst.filter((s) => s.current).map((s) => s.id), [first.sid]);
    // Redis keeps the networks, never the addresses.
    for (const [s, ip] of [[first, ipv4], [second, ipv6]]) {
      const prefix = byId[s.sid].ip_prefix;
      const family = redisHash(env.REDIS_URL, `vg:rf:${s.sid}`);
      assert.equal(family.ip, prefix);
      assert.equal(family.created, family.refreshed);
      const stored = JSON.stringify([family, redisHash(env.REDIS_URL, `vg:rt:${sha256(s.refresh_token)}`)]);
      assert.ok(!stored.includes(ip), `the whole address ${ip} is in Redis: ${stored}`);
    }
  });

  test('sessions_list_refresh_moves_refreshed_at', async () => {
    const user = await signup(A);
    const s = await signIn(A, user);
    // Back-date the family's last refresh, so that a refresh within the same second still moves it.
    redis(env.REDIS_URL, 'HSET', `vg:rf:${s.sid}`, 'refreshed', '1000000000');
    assert.equal((await sessionsOf(A, s.access_token))[0].refreshed_at, '2001-09-09T01:46:40Z');
    const before = Math.floor(Date.now() / 1000) * 1000;
    const r = await refresh(A, s.refresh_token);
    expectStatus(r, 200);
    const [listed] = await sessionsOf(A, r.body.access_token);
    assert.ok(Date.parse(listed.refreshed_at) >= before, `refreshed_at ${listed.refreshed_at}`);
    assert.equal(listed.id, s.sid);
    assert.ok(Date.parse(listed.created_at) <= Date.parse(listed.refreshed_at));
  });

  test('session_delete_ends_another_session_on_every_instance', async () => {
    const user = await signup(A);
    const mine = await signIn(A, user);
    const other = await signIn(A, user);
    // B has verified (and cached) the other session's token before it ends.
    expectStatus(await dashboard(B, other.access_token), 200);
    const res = await deleteSession(A, mine.access_token, other.sid);
    expectStatus(res, 204);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    expectProblem(await dashboard(B, other.access_token), 401, 'invalid-token');
    expectProblem(await refresh(B, other.refresh_token), 401, 'invalid-token');
    expectStatus(await dashboard(B, mine.access_token), 200);
    assert.deepEqual((await sessionsOf(B, mine.access_token)).map((s) => s.id), [mine.sid]);
    // It is gone: a second DELETE finds nothing.
    expectProblem(await deleteSession(A, mine.access_token, other.sid), 404, 'session-not-found');
  });

  test('session_delete_of_another_users_session_is_not_found_and_leaves_it_live', async () => {
    const alice = await signIn(A, await signup(A));
    const bob = await signIn(A, await signup(A));
    const theirs = await deleteSession(A, alice.access_token, bob.sid);
    expectProblem(theirs, 404, 'session-not-found');
    const unknown = await deleteSession(A, alice.access_token, 'AAAAAAAAAAAAAAAAAAAAAA');
    expectProblem(unknown, 404, 'session-not-found');
    assert.deepEqual(theirs.body, unknown.body, 'one answer for another user\'s id and an unknown one');
    assert.equal(redisHash(env.REDIS_URL, `vg:rf:${bob.sid}`).revoked, '0');
    expectStatus(await dashboard(A, bob.access_token), 200);
    expectStatus(await refresh(B, bob.refresh_token), 200);
  });

  test('session_delete_of_ones_own_session_is_a_logout', async () => {
    const s = await signIn(A, await signup(A));
    expectStatus(await deleteSession(A, s.access_token, s.sid), 204);
    expectProblem(await dashboard(B, s.access_token), 401, 'invalid-token');
    expectProblem(await refresh(A, s.refresh_token), 401, 'invalid-token');
  });

  test('account_routes_refuse_mfa_tokens_with_403_and_no_token_with_401', async () => {
    const user = await signup(A);
    const lg = await login(A, user);
    const calls = [
      (token) => A.get('/sessions', { token }),
      (token) => deleteSession(A, token, 'AAAAAAAAAAAAAAAAAAAAAA'),
      (token) => changePassword(A, token, { current_password: user.password, new_password: 'another long password' }),
      (token) => deleteMe(A, token, { password: user.password }),
    ];
    for (const call of calls) {
      const mfa = await call(lg.mfa_token);
      expectProblem(mfa, 403, 'insufficient-authentication');
      assert.match(mfa.headers.get('www-authenticate'), /insufficient_user_authentication/);
      const none = await call(undefined);
      expectProblem(none, 401, 'invalid-token');
      assert.equal(none.headers.get('www-authenticate'), BARE);
    }
    const row = await (await users(databaseOf(env.MONGODB_URI))).findOne({ email: user.email });
    assert.ok(row && row.password_hash, 'nothing changed');
  });

  test('password_change_wrong_current_is_refused_and_counts_against_the_lock', async () => {
    const user = await signup(A);
    const s = await signIn(A, user);
    const failKey = rateLimitKey('login-fail-account', user.email);
    for (let i = 1; i <= 5; i++) {
      const res = await changePassword(A, s.access_token, { current_password: `wrong-${i}-guess`, new_password: 'another long password' });
      expectProblem(res, 403, 'wrong-password');
      assert.equal(res.headers.get('www-authenticate'), null, 'no challenge: the access token is fine');
      assert.equal(redis(env.REDIS_URL, 'GET', failKey), String(i), 'counted as a failed login of the account');
    }
    // The account is locked now: here, and at /login, even with the right password.
    const locked = await changePassword(B, s.access_token, { current_password: user.password, new_password: 'another long password' });
    expectProblem(locked, 429, 'rate-limited');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    expectProblem(await A.post('/login', { email: user.email, password: user.password }), 429, 'rate-limited');
    expectStatus(await dashboard(A, s.access_token), 200);
  });

  test('password_change_refuses_a_weak_or_unchanged_new_password', async () => {
    const user = await signup(A);
    const s = await signIn(A, user);
    for (const next of ['short', user.password]) {
      const res = await changePassword(A, s.access_token, { current_password: user.password, new_password: next });
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(res.body.errors.map((e) => e.field), ['new_password']);
    }
    expectProblem(await changePassword(A, s.access_token, { new_password: 'another long password' }), 400, 'validation-error');
    assert.equal(redisExists(env.REDIS_URL, rateLimitKey('login-fail-account', user.email)), false, 'no password was checked');
    expectStatus(await A.post('/login', { email: user.email, password: user.password }), 200);
  });

  test('password_change_ends_the_other_sessions_and_keeps_the_callers', async () => {
    const user = await signup(A);
    const mine = await signIn(A, user);
    const other = await signIn(A, user);
    expectStatus(await dashboard(B, other.access_token), 200);
    const next = `new-${crypto.randomBytes(6).toString('hex')}`;
    const res = await changePassword(A, mine.access_token, { current_password: user.password, new_password: next });
    expectStatus(res, 204);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    expectProblem(await dashboard(B, other.access_token), 401, 'invalid-token');
    expectProblem(await refresh(B, other.refresh_token), 401, 'invalid-token');
    expectStatus(await dashboard(B, mine.access_token), 200);
    expectStatus(await refresh(B, mine.refresh_token), 200);
    expectProblem(await A.post('/login', { email: user.email, password: user.password }), 401, 'invalid-credentials');
    expectStatus(await A.post('/login', { email: user.email, password: next }), 200);
  });

  test('password_change_ends_the_logins_already_past_the_old_password', async () => {
    const user = await signup(A);
    const mine = await signIn(A, user);
    // Someone who had the old password is between the password and the code: its code is out.
    const theirs = await login(B, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    // The bar counts in whole seconds (the mfa_token's iat): the change comes a second later.
    const iat = J.decode(theirs.mfa_token).payload.iat;
    while (Date.now() / 1000 < iat + 1) await new Promise((r) => setTimeout(r, 50));
    const next = `new-${crypto.randomBytes(6).toString('hex')}`;
    expectStatus(await changePassword(A, mine.access_token, { current_password: user.password, new_password: next }), 204);
    // The right code no longer buys a session, on either instance; the login is spent.
    expectProblem(await B.post('/verify', { code }, { token: theirs.mfa_token }), 401, 'invalid-token');
    assert.equal(redisExists(env.REDIS_URL, `vg:pending:${J.decode(theirs.mfa_token).payload.jti}`), false);
    const bar = redis(env.REDIS_URL, 'GET', `vg:bar:${user.id}`);
    assert.ok(Number(bar) >= iat + 1, `bar ${bar}`);
    // A login with the new password, after the change, goes through.
    await signIn(B, Object.assign({}, user, { password: next }));
  });

  test('account_delete_without_password_needs_a_login_within_5_minutes', async () => {
    const user = await signup(A);
    const s = await signIn(A, user);
    // A session whose SMS step was 301 s ago: a refresh carries the auth_time of its token record.
    const old = Math.floor(Date.now() / 1000) - 301;
    redis(env.REDIS_URL, 'HSET', `vg:rt:${sha256(s.refresh_token)}`, 'auth_time', String(old));
    const r = await refresh(A, s.refresh_token);
    expectStatus(r, 200);
    assert.equal(J.decode(r.body.access_token).payload.auth_time, old);
    for (const body of [undefined, {}]) {
      const res = await deleteMe(A, r.body.access_token, body);
      expectProblem(res, 403, 'password-required');
    }
    expectProblem(await deleteMe(A, r.body.access_token, { password: 'not-the-password' }), 403, 'wrong-password');
    assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey('login-fail-account', user.email)), '1');
    expectProblem(await deleteMe(A, r.body.access_token, { password: '' }), 400, 'validation-error');
    assert.ok(await (await users(databaseOf(env.MONGODB_URI))).findOne({ email: user.email }), 'still there');
    expectStatus(await dashboard(A, r.body.access_token), 200);
    // A fresh login needs no password.
    const fresh = await signIn(A, user);
    expectStatus(await deleteMe(A, fresh.access_token), 204);
    assert.equal(await (await users(databaseOf(env.MONGODB_URI))).findOne({ email: user.email }), null);
  });

  test('account_delete_with_password_removes_the_user_and_every_token_at_once', async () => {
    const user = await signup(A);
    const mine = await signIn(A, user);
    const other = await signIn(B, user);
    expectStatus(await dashboard(B, mine.access_token), 200);
    expectStatus(await dashboard(B, other.access_token), 200);
    // A login waiting for its code when the account goes.
    const pending = await login(A, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    const col = await users(databaseOf(env.MONGODB_URI));
    const id = (await col.findOne({ email: user.email }))._id.toHexString();

    const res = await deleteMe(A, mine.access_token, { password: user.password });
    expectStatus(res, 204);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(await col.findOne({ email: user.email }), null, 'the MongoDB document is gone');
    for (const api of [A, B]) {
      for (const s of [mine, other]) {
        expectProblem(await dashboard(api, s.access_token), 401, 'invalid-token');
        expectProblem(await api.get('/sessions', { token: s.access_token }), 401, 'invalid-token');
      }
    }
    expectProblem(await refresh(B, mine.refresh_token), 401, 'invalid-token');
    expectProblem(await refresh(A, other.refresh_token), 401, 'invalid-token');
    expectProblem(await B.post('/verify', { code }, { token: pending.mfa_token }), 401, 'invalid-token');
    assert.equal(redisExists(env.REDIS_URL, `vg:pending:${J.decode(pending.mfa_token).payload.jti}`), false);
    assert.equal(redisExists(env.REDIS_URL, `vg:uf:${id}`), false);
    assert.ok(redisExists(env.REDIS_URL, `vg:bar:${id}`), 'the bar on its logins');
    // The email, username and phone are free again.
    const again = await signup(A, newUser({ email: user.email, username: user.username, phone: user.phone }));
    assert.notEqual(again.id, id);
    expectStatus(await dashboard(A, (await signIn(A, again)).access_token), 200);
  });
});
