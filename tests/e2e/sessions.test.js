'use strict';
// Sessions on the real stack: the refresh token /verify hands out, its rotation, the reuse grace
// (REFRESH_REUSE_GRACE_SECONDS) and replay detection after it (also under concurrency), the end
// of a deleted user's session, logout of one session or of all, what each leaves in Redis, and
// signing-key rotation through JWT_KEYS_DIR on instances of our own.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { env, tool } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, redis, redisHash, redisTtl, redisExists, users } = require('./lib/stores');
const { signup, login, codeFor, verify } = require('./lib/flow');
const { startVerigate, cleanupSpawned, sleep, waitUntil } = require('./lib/procs');
const J = require('./lib/jwt');

const api = client(env.VG_URL);
const REFRESH_TTL = 2592000; // REFRESH_TOKEN_TTL's default
const ACCESS_TTL = 900;
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const tokenKey = (refreshToken) => `vg:rt:${sha256(refreshToken)}`;
const familyKey = (accessToken) => `vg:rf:${J.decode(accessToken).payload.sid}`;
const graceKey = (refreshToken) => `vg:rg:${sha256(refreshToken)}`;
// A family hash less what it keeps for GET /sessions (created, refreshed, ua, ip: account.test.js).
const familyState = ({ user_id, live, revoked }) => ({ user_id, live, revoked });
const GRACE = 10; // REFRESH_REUSE_GRACE_SECONDS' default, the shared instance's

// Instances of our own with another reuse grace, started once each when a test first needs one.
const byGrace = new Map();
function withGrace(seconds) {
  if (!byGrace.has(seconds)) byGrace.set(seconds, startVerigate({ env: { REFRESH_REUSE_GRACE_SECONDS: String(seconds) } }));
  return byGrace.get(seconds);
}

// login + verify of an existing user: a new session, as the 200 of /verify.
async function signIn(a, user, emuUrl = env.EMULATOR_URL) {
  const lg = await login(a, user);
  const v = await verify(a, lg.mfa_token, await codeFor(emuUrl, user.phone));
  return Object.assign({ user }, v);
}

async function newSession(a = api) {
  return signIn(a, await signup(a));
}

function refresh(a, refreshToken) {
  return a.post('/token/refresh', { refresh_token: refreshToken });
}

async function refreshed(a, refreshToken) {
  const res = await refresh(a, refreshToken);
  expectStatus(res, 200);
  return res.body;
}

function expectInvalidToken(res) {
  expectProblem(res, 401, 'invalid-token');
  assert.match(res.headers.get('www-authenticate') || '', /^Bearer\b.*error="invalid_token"/i);
}

async function expectDashboard(a, accessToken, status) {
  const res = await a.get('/dashboard', { token: accessToken });
  if (status === 401) expectInvalidToken(res);
  else expectStatus(res, status);
}

// Every key name and every value in Redis, in one round trip.
function redisDump(url) {
  const script = `local out = {}
for _, k in ipairs(redis.call('KEYS', '*')) do
  table.insert(out, k)
  local t = redis.call('TYPE', k).ok
  local values = {}
  if t == 'string' then values = {redis.call('GET', k)}
  elseif t == 'hash' then values = redis.call('HGETALL', k)
  elseif t == 'set' then values = redis.call('SMEMBERS', k)
  elseif t == 'list' then values = redis.call('LRANGE', k, 0, -1)
  elseif t == 'zset' then values = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES') end
  for _, v in ipairs(values) do table.insert(out, v) end
end
return out`;
  return redis(url, 'EVAL', script, '0');
}

describe('sessions', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('refresh_rotates_and_old_token_stops_working', async () => {
    const s = await newSession();
    assert.match(s.refresh_token, /^[A-Za-z0-9_-]{43}$/, 'a refresh token is 256 bits of base64url');
    assert.equal(s.refresh_expires_in, REFRESH_TTL);
    const first = J.decode(s.access_token).payload;
    assert.match(first.sid || '', /^[A-Za-z0-9_-]{16,}$/, `sid ${first.sid}`);

    // Redis: the token by its hash, in its family, in the user's set of families.
    const rec = redisHash(env.REDIS_URL, tokenKey(s.refresh_token));
    // amr: the second factor, which every refresh token of the family carries to its access tokens.
    assert.deepEqual(rec, { family: first.sid, user_id: s.user.id, auth_time: String(first.auth_time), used: '0', amr: 'sms' });
    const ttl = redisTtl(env.REDIS_URL, tokenKey(s.refresh_token));
    assert.ok(ttl > REFRESH_TTL - 30 && ttl <= REFRESH_TTL, `TTL ${ttl}`);
    const family = redisHash(env.REDIS_URL, familyKey(s.access_token));
    assert.deepEqual(familyState(family), { user_id: s.user.id, live: sha256(s.refresh_token), revoked: '0' });
    assert.equal(family.created, String(first.auth_time));
    assert.equal(family.refreshed, String(first.auth_time));
    assert.equal(family.ip, '127.0.0.0/24');
    assert.ok(redis(env.REDIS_URL, 'SMEMBERS', `vg:uf:${s.user.id}`).split('\n').includes(first.sid));

    await sleep(1100); // so a new iat would show
    const next = await refreshed(api, s.refresh_token);
    assert.equal(next.token_type, 'Bearer');
    assert.equal(next.expires_in, ACCESS_TTL);
    assert.equal(next.refresh_expires_in, REFRESH_TTL);
    assert.match(next.refresh_token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(next.refresh_token, s.refresh_token);
    const second = J.decode(next.access_token);
    assert.equal(second.header.typ, 'at+jwt');
    assert.equal(second.payload.sub, s.user.id);
    assert.equal(second.payload.sid, first.sid, 'the same session');
    assert.equal(second.payload.auth_time, first.auth_time, 'auth_time stays the time of the SMS step');
    assert.ok(second.payload.iat > first.iat, 'a new token');
    assert.notEqual(second.payload.jti, first.jti);
    await expectDashboard(api, next.access_token, 200);

    assert.equal(redisHash(env.REDIS_URL, tokenKey(s.refresh_token)).used, '1', 'the old token is spent');
    assert.equal(redisHash(env.REDIS_URL, tokenKey(next.refresh_token)).used, '0');
    assert.equal(redisHash(env.REDIS_URL, familyKey(s.access_token)).live, sha256(next.refresh_token));

    // Spent: within the reuse grace it only gives the same successor back (see the grace tests).
    assert.equal((await refreshed(api, s.refresh_token)).refresh_token, next.refresh_token);
  });

  test('refresh_without_a_usable_token_is_400_or_401', async () => {
    for (const body of [{}, { refresh_token: null }, { refresh_token: 42 }]) {
      const res = await api.post('/token/refresh', body);
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(res.body.errors.map((e) => e.field), ['refresh_token'], res.text);
    }
    for (const token of ['', 'not-a-refresh-token', J.b64u(crypto.randomBytes(32))]) {
      expectInvalidToken(await refresh(api, token));
    }
    const s = await newSession();
    expectInvalidToken(await refresh(api, s.access_token)); // an access token is not a refresh token
    expectProblem(await api.post('/token/refresh', undefined, { body: 'refresh_token=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
      415, 'unsupported-media-type');
  });

  test('refresh_reuse_revokes_the_family', async () => {
    const vg = await withGrace(0);
    const api = client(vg.url);
    const s = await newSession(api);
    const next = await refreshed(api, s.refresh_token);
    await expectDashboard(api, next.access_token, 200);

    // The spent token comes back: someone else holds a copy.
    expectInvalidToken(await refresh(api, s.refresh_token));
    // The whole session is gone: the live refresh token and every access token of it.
    expectInvalidToken(await refresh(api, next.refresh_token));
    await expectDashboard(api, next.access_token, 401);
    await expectDashboard(api, s.access_token, 401);
    const family = redisHash(env.REDIS_URL, familyKey(s.access_token));
    assert.deepEqual(familyState(family), { user_id: s.user.id, live: '', revoked: '1' });
    const ttl = redisTtl(env.REDIS_URL, familyKey(s.access_token));
    assert.ok(ttl > 0 && ttl <= ACCESS_TTL + 60, `the revocation outlives the access tokens, no more: TTL ${ttl}`);
    assert.equal(redisExists(env.REDIS_URL, tokenKey(next.refresh_token)), false);
    assert.ok(!redis(env.REDIS_URL, 'SMEMBERS', `vg:uf:${s.user.id}`).split('\n').includes(J.decode(s.access_token).payload.sid));

    // Another session of the same user is untouched.
    const other = await signIn(api, s.user);
    await expectDashboard(api, other.access_token, 200);
    await refreshed(api, other.refresh_token);

    const logs = vg.output();
    assert.match(logs, new RegExp(`audit event=refresh_reuse outcome=invalid-token user=${s.user.id} `), 'the replay is audited');
    for (const t of [s.refresh_token, next.refresh_token]) assert.ok(!logs.includes(t), 'a refresh token is in the log');
  });

  test('concurrent_refresh_without_a_grace_exactly_one_wins', async () => {
    const api = client((await withGrace(0)).url);
    const s = await newSession(api);
    const res = await Promise.all([0, 1, 2, 3, 4].map(() => refresh(api, s.refresh_token)));
    const winners = res.filter((r) => r.status === 200);
    assert.equal(winners.length, 1, res.map((r) => `${r.status} ${r.text}`).join('\n'));
    for (const r of res.filter((x) => x.status !== 200)) expectInvalidToken(r);
    // The losers presented a spent token: a replay, so the winner's session is revoked as well.
    expectInvalidToken(await refresh(api, winners[0].body.refresh_token));
    await expectDashboard(api, winners[0].body.access_token, 401);
    assert.equal(redisHash(env.REDIS_URL, familyKey(s.access_token)).revoked, '1');
  });

  test('a_refresh_retried_within_the_grace_gets_the_same_successor', async () => {
    const s = await newSession();
    const first = await refreshed(api, s.refresh_token);
    // The answer was lost, or another tab held the same token: it comes again, within the grace.
    const second = await refreshed(api, s.refresh_token);
    assert.equal(second.refresh_token, first.refresh_token, 'one chain: the successor already minted');
    assert.notEqual(second.access_token, first.access_token, 'a fresh access token');
    assert.equal(second.refresh_expires_in, REFRESH_TTL);
    const [a, b] = [first, second].map((t) => J.decode(t.access_token).payload);
    assert.equal(b.sid, a.sid);
    assert.equal(b.auth_time, a.auth_time);
    assert.notEqual(b.jti, a.jti);
    await expectDashboard(api, first.access_token, 200);
    await expectDashboard(api, second.access_token, 200);
    // The session lives on, the successor is its live token, and the grace record expires.
    assert.deepEqual(familyState(redisHash(env.REDIS_URL, familyKey(s.access_token))),
      { user_id: s.user.id, live: sha256(first.refresh_token), revoked: '0' });
    const ttl = redisTtl(env.REDIS_URL, graceKey(s.refresh_token));
    assert.ok(ttl > 0 && ttl <= GRACE, `the grace record lives the grace, no more: TTL ${ttl}`);
    // Both holders go on with the one successor.
    const third = await refreshed(api, first.refresh_token);
    await expectDashboard(api, third.access_token, 200);
    const file = process.env.VG_LOG_FILE;
    if (file) assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`audit event=refresh_retry outcome=ok user=${s.user.id} `));
  });

  test('two_refreshes_at_the_same_moment_both_succeed_within_the_grace', async () => {
    const s = await newSession();
    const res = await Promise.all([0, 1, 2].map(() => refresh(api, s.refresh_token)));
    for (const r of res) expectStatus(r, 200);
    const successors = new Set(res.map((r) => r.body.refresh_token));
    assert.equal(successors.size, 1, `they agree on the successor: ${[...successors].join(', ')}`);
    assert.equal(new Set(res.map((r) => J.decode(r.body.access_token).payload.jti)).size, 3);
    for (const r of res) await expectDashboard(api, r.body.access_token, 200);
    assert.equal(redisHash(env.REDIS_URL, familyKey(s.access_token)).revoked, '0');
    await refreshed(api, res[0].body.refresh_token);
  });

  test('a_refresh_reused_after_the_grace_revokes_the_session', async () => {
    // A grace of 1 s, waited out: the record that answered within it is gone.
    const vg1 = await withGrace(1);
    const one = client(vg1.url);
    const s = await newSession(one);
    const next = await refreshed(one, s.refresh_token);
    await waitUntil(vg1, () => !redisExists(env.REDIS_URL, graceKey(s.refresh_token)), 5000, 'grace over');
    expectInvalidToken(await refresh(one, s.refresh_token));
    assert.equal(redisHash(env.REDIS_URL, familyKey(s.access_token)).revoked, '1');
    await expectDashboard(one, next.access_token, 401);
    expectInvalidToken(await refresh(one, next.refresh_token));
    // A grace of 0: the very next presentation is a replay, and nothing is kept for it.
    const none = client((await withGrace(0)).url);
    const t = await newSession(none);
    const after = await refreshed(none, t.refresh_token);
    assert.equal(redisExists(env.REDIS_URL, graceKey(t.refresh_token)), false);
    expectInvalidToken(await refresh(none, t.refresh_token));
    assert.equal(redisHash(env.REDIS_URL, familyKey(t.access_token)).revoked, '1');
    await expectDashboard(none, after.access_token, 401);
  });

  test('a_retry_after_the_successor_was_spent_revokes_the_session', async () => {
    const s = await newSession();
    const next = await refreshed(api, s.refresh_token);
    const third = await refreshed(api, next.refresh_token);
    // Within the grace still, but the chain has moved on: a replay.
    expectInvalidToken(await refresh(api, s.refresh_token));
    assert.equal(redisHash(env.REDIS_URL, familyKey(s.access_token)).revoked, '1');
    await expectDashboard(api, third.access_token, 401);
  });

  test('the_successor_kept_for_the_grace_is_not_in_redis_in_clear', async () => {
    const s = await newSession();
    const next = await refreshed(api, s.refresh_token);
    const rec = redisHash(env.REDIS_URL, graceKey(s.refresh_token));
    assert.deepEqual(Object.keys(rec).sort(), ['box', 'kid', 'next'], JSON.stringify(rec));
    assert.equal(rec.next, sha256(next.refresh_token), 'the successor by its hash');
    assert.equal(rec.kid, J.decode(next.access_token).header.kid, 'sealed with the key that signs, named');
    assert.match(rec.box, /^[A-Za-z0-9_-]{111}$/, 'nonce, ciphertext and tag');
    // Every key of the family (its tokens, its grace records, the family itself) and every value.
    const family = J.decode(s.access_token).payload.sid;
    const keys = [tokenKey(s.refresh_token), tokenKey(next.refresh_token), graceKey(s.refresh_token), `vg:rf:${family}`];
    const dump = [...keys, ...keys.flatMap((k) => Object.entries(redisHash(env.REDIS_URL, k)).flat())].join('\n') + '\n' + redisDump(env.REDIS_URL);
    for (const t of [s.refresh_token, next.refresh_token]) {
      for (let i = 0; i + 16 <= t.length; i += 4) assert.ok(!dump.includes(t.slice(i, i + 16)), `part of a refresh token is in Redis: ${t.slice(i, i + 16)}`);
    }
  });

  test('a_refresh_of_a_deleted_user_is_401_and_revokes_the_session', async () => {
    const vg = await startVerigate({ env: { USER_CACHE_MS: '0' } });
    const own = client(vg.url);
    const s = await newSession(own);
    const next = await refreshed(own, s.refresh_token);
    await expectDashboard(own, next.access_token, 200);
    const { ObjectId } = tool('mongodb');
    assert.equal((await (await users(vg.db)).deleteOne({ _id: new ObjectId(s.user.id) })).deletedCount, 1);

    expectInvalidToken(await refresh(own, next.refresh_token));
    assert.deepEqual(familyState(redisHash(env.REDIS_URL, familyKey(s.access_token))), { user_id: s.user.id, live: '', revoked: '1' });
    const ttl = redisTtl(env.REDIS_URL, familyKey(s.access_token));
    assert.ok(ttl > 0 && ttl <= ACCESS_TTL + 60, `revoked as by a logout: TTL ${ttl}`);
    assert.ok(!redis(env.REDIS_URL, 'SMEMBERS', `vg:uf:${s.user.id}`).split('\n').includes(J.decode(s.access_token).payload.sid));
    // No token of the session is left: not the successor the refresh made, nor one within the grace.
    expectInvalidToken(await refresh(own, next.refresh_token));
    expectInvalidToken(await refresh(own, s.refresh_token));
    await expectDashboard(own, next.access_token, 401);
    assert.match(vg.output(), new RegExp(`audit event=refresh_user_gone outcome=invalid-token user=${s.user.id} `));
  });

  test('logout_revokes_refresh_and_denies_access_token', async () => {
    const s = await newSession();
    const other = await signIn(api, s.user);
    const { payload } = J.decode(s.access_token);
    const res = await api.post('/logout', undefined, { token: s.access_token });
    expectStatus(res, 204);
    assert.equal(res.text, '', '204 has no body');
    assert.equal(res.headers.get('cache-control'), 'no-store');

    // Redis: the token's jti denied until it expires, the family revoked, its refresh token gone.
    const deny = `vg:deny:${payload.jti}`;
    assert.equal(redis(env.REDIS_URL, 'GET', deny), '1');
    const ttl = redisTtl(env.REDIS_URL, deny);
    const left = payload.exp - J.now();
    assert.ok(ttl >= left && ttl <= left + 60 + 2, `deny-list TTL ${ttl}, token has ${left} s left`);
    assert.equal(redisHash(env.REDIS_URL, `vg:rf:${payload.sid}`).revoked, '1');
    assert.equal(redisExists(env.REDIS_URL, tokenKey(s.refresh_token)), false);

    await expectDashboard(api, s.access_token, 401);
    expectInvalidToken(await refresh(api, s.refresh_token));
    expectInvalidToken(await api.post('/logout', undefined, { token: s.access_token }));

    // "session" is the scope by default: the user's other session lives on.
    await expectDashboard(api, other.access_token, 200);
    const next = await refreshed(api, other.refresh_token);
    const bad = await api.post('/logout', { scope: 'everything' }, { token: next.access_token });
    expectProblem(bad, 400, 'validation-error');
    assert.deepEqual(bad.body.errors.map((e) => e.field), ['scope']);
    await expectDashboard(api, next.access_token, 200); // a refused logout ends nothing
    expectStatus(await api.post('/logout', { scope: 'session' }, { token: next.access_token }), 204);
    await expectDashboard(api, next.access_token, 401);
    expectInvalidToken(await refresh(api, next.refresh_token));
  });

  test('global_logout_ends_every_session', async () => {
    const a = await newSession();
    const b = await signIn(api, a.user);
    const b2 = await refreshed(api, b.refresh_token);
    const stranger = await newSession();

    expectStatus(await api.post('/logout', { scope: 'global' }, { token: a.access_token }), 204);
    for (const t of [a.access_token, b.access_token, b2.access_token]) await expectDashboard(api, t, 401);
    for (const t of [a.refresh_token, b2.refresh_token]) expectInvalidToken(await refresh(api, t));
    for (const t of [a.access_token, b.access_token]) assert.equal(redisHash(env.REDIS_URL, familyKey(t)).revoked, '1');
    assert.equal(redisExists(env.REDIS_URL, `vg:uf:${a.user.id}`), false);
    assert.equal(redisExists(env.REDIS_URL, `vg:deny:${J.decode(a.access_token).payload.jti}`), true);

    // Nobody else is logged out, and the user can sign in again at once.
    await expectDashboard(api, stranger.access_token, 200);
    const again = await signIn(api, a.user);
    await expectDashboard(api, again.access_token, 200);
    await refreshed(api, again.refresh_token);
  });

  test('mfa_token_on_logout_is_403', async () => {
    const user = await signup(api);
    const lg = await login(api, user);
    const res = await api.post('/logout', undefined, { token: lg.mfa_token });
    expectProblem(res, 403, 'insufficient-authentication');
    assert.match(res.headers.get('www-authenticate') || '', /error="insufficient_user_authentication"/);
    const none = await api.post('/logout');
    expectProblem(none, 401, 'invalid-token');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="verigate"', 'no token: the bare challenge (RFC 6750 §3.1)');
    expectInvalidToken(await api.post('/logout', undefined, { token: 'garbage' }));
    // The refused logout left the login pending.
    await verify(api, lg.mfa_token, await codeFor(env.EMULATOR_URL, user.phone));
  });

  test('refresh_token_stored_only_as_hash', async () => {
    const s = await newSession();
    const next = await refreshed(api, s.refresh_token);
    const dump = redisDump(env.REDIS_URL);
    assert.ok(dump.includes(sha256(next.refresh_token)), 'the scan sees the live token by its hash');
    for (const t of [s.refresh_token, next.refresh_token]) {
      assert.ok(!dump.includes(t), 'a raw refresh token is in Redis');
      // Nor any part long enough to be guessed from: no 16 characters of it in a row.
      for (let i = 0; i + 16 <= t.length; i += 4) assert.ok(!dump.includes(t.slice(i, i + 16)), `part of a refresh token is in Redis: ${t.slice(i, i + 16)}`);
    }
  });

  test('keys_dir_and_key_file_together_is_a_config_error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-keys-'));
    try {
      const h = await startVerigate({ wait: false, env: { JWT_KEYS_DIR: dir } }); // JWT_PRIVATE_KEY_FILE stays set
      await Promise.race([h.exit, sleep(5000)]);
      assert.ok(h.exited && h.code !== 0, `exits non-zero: ${h.code}`);
      assert.match(h.output(), /JWT_PRIVATE_KEY_FILE/);
      assert.match(h.output(), /JWT_KEYS_DIR/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('key_rotation_old_tokens_verify_new_key_signs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-keys-'));
    const writeKey = (name, ageSeconds) => {
      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const file = path.join(dir, name);
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const t = new Date(Date.now() - ageSeconds * 1000);
      fs.utimesSync(file, t, t);
      return crypto.createPublicKey(privateKey).export({ format: 'jwk' });
    };
    const keysOf = async (a) => {
      const res = await a.get('/.well-known/jwks.json');
      expectStatus(res, 200);
      return res.body;
    };
    const keyEnv = { JWT_PRIVATE_KEY_FILE: undefined, JWT_KEYS_DIR: dir };
    try {
      const pubA = writeKey('2024-a.pem', 120);
      const first = await startVerigate({ env: keyEnv });
      const api1 = client(first.url);
      const jwks1 = await keysOf(api1);
      assert.equal(jwks1.keys.length, 1);
      const kidA = jwks1.keys[0].kid;
      assert.equal(jwks1.keys[0].n, pubA.n);
      const s = await newSession(api1);
      assert.equal(J.decode(s.access_token).header.kid, kidA);

      // Key B is added (newer), and the instance restarts on the same database.
      const pubB = writeKey('2025-b.pem', 30);
      await first.stop();
      const second = await startVerigate({ env: keyEnv, db: first.db });
      const api2 = client(second.url);
      const jwks2 = await keysOf(api2);
      const kids = jwks2.keys.map((k) => k.kid);
      assert.equal(kids.length, 2, JSON.stringify(kids));
      assert.ok(kids.includes(kidA), 'the old key is still published');
      const b = jwks2.keys.find((k) => k.kid !== kidA);
      assert.equal(b.n, pubB.n, 'the new key is the one added');
      assert.deepEqual(kids, [b.kid, kidA], 'newest first');

      // The token signed by A still verifies, here and for anyone holding the JWKS.
      assert.equal(J.verifyWithJwks(s.access_token, jwks2), true);
      await expectDashboard(api2, s.access_token, 200);
      // New tokens are signed by B: a refresh, a login.
      const next = await refreshed(api2, s.refresh_token);
      assert.equal(J.decode(next.access_token).header.kid, b.kid);
      assert.equal(J.verifyWithJwks(next.access_token, jwks2), true);
      assert.equal(J.verifyWithJwks(next.access_token, jwks1), false, 'the old JWKS does not know B');
      await expectDashboard(api2, next.access_token, 200);
      const lg = await login(api2, s.user);
      const fromB = J.mfaKey(fs.readFileSync(path.join(dir, '2025-b.pem'), 'utf8'));
      assert.equal(J.decode(lg.mfa_token).header.kid, b.kid, 'the mfa_token names B, the key that signs now');
      assert.equal(J.verifyHS256(lg.mfa_token, fromB.secret), true, 'and is MACed with the secret derived from B');
      // A kid the instance does not have is refused, even with a valid signature of another key.
      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const { header, payload } = J.mintAccess(s.user.id, 'not-a-known-kid');
      await expectDashboard(api2, J.signRS256(header, payload, privateKey), 401);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
