'use strict';
// The abuse limits of issue 3, each on an instance of its own with that one limit set low (the
// shared instance has the per-IP limits off, since every test client is 127.0.0.1). Client IPs
// are told through X-Forwarded-For from a trusted proxy (TRUSTED_PROXIES=127.0.0.1/32).
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, redisKeys, redisExists } = require('./lib/stores');
const { newUser, signup, login, emulatorRequests, freshIp, usPhone, ukMobile } = require('./lib/flow');
const { startVerigate, startEmulator, cleanupSpawned } = require('./lib/procs');
const { rateLimitKey } = require('./lib/ratelimit');

const as = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
const keyOf = (scope, subject) => rateLimitKey(scope, subject);

// An own instance (own emulator, so its request log is this test's alone) with limits set.
async function instance(limits) {
  const emu = await startEmulator();
  const vg = await startVerigate({
    env: Object.assign({ TWILIO_VERIFY_BASE_URL: emu.url, TRUSTED_PROXIES: '127.0.0.1/32', RESEND_COOLDOWN_SECONDS: 0 }, limits),
  });
  return { api: client(vg.url), emu, vg };
}

const sends = async (emu) => (await emulatorRequests(emu.url)).filter((r) => r.path.endsWith('/Verifications')).length;

describe('abuse limits', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('login_lockout_per_account_answers_alike_for_unknown_accounts', async () => {
    const { api } = await instance({ LOGIN_FAILS_PER_ACCOUNT: 3, LOGIN_LOCK_SECONDS: 120 });
    const user = await signup(api);
    const ghost = newUser().email;
    for (let i = 0; i < 3; i++) {
      expectProblem(await api.post('/login', { email: user.email, password: 'wrong password!' }), 401, 'invalid-credentials');
      expectProblem(await api.post('/login', { email: ghost, password: 'wrong password!' }), 401, 'invalid-credentials');
    }
    const locked = await api.post('/login', { email: user.email, password: user.password });
    const lockedGhost = await api.post('/login', { email: ghost, password: 'whatever it is' });
    expectProblem(locked, 429, 'rate-limited');
    expectProblem(lockedGhost, 429, 'rate-limited');
    // The very same body, but for the seconds left, which may differ by the time between the two
    // lock-outs.
    const withoutWait = ({ retry_after: _, ...rest }) => rest;
    assert.deepEqual(withoutWait(lockedGhost.body), withoutWait(locked.body), 'an unknown account locks alike');
    for (const r of [locked, lockedGhost]) {
      const wait = Number(r.headers.get('retry-after'));
      assert.ok(wait > 100 && wait <= 120, `Retry-After ${wait}`);
      assert.equal(r.body.retry_after, wait);
    }
    assert.ok(redisExists(env.REDIS_URL, keyOf('login-lock', user.email)), 'the lock lives in Redis');
  });

  test('a_successful_login_clears_the_accounts_failures_in_redis', async () => {
    const { api } = await instance({ LOGIN_FAILS_PER_ACCOUNT: 3, LOGIN_LOCK_SECONDS: 120 });
    const user = await signup(api);
    const fails = keyOf('login-fail-account', user.email);
    const wrong = { email: user.email, password: 'wrong password!' };
    const right = { email: user.email, password: user.password };
    assert.equal(redisExists(env.REDIS_URL, fails), false);
    expectStatus(await api.post('/login', right), 200); // nothing to clear: nothing created either
    assert.equal(redisExists(env.REDIS_URL, fails), false);
    for (let i = 0; i < 2; i++) expectProblem(await api.post('/login', wrong), 401, 'invalid-credentials');
    assert.equal(redisExists(env.REDIS_URL, fails), true, 'two failures counted');
    expectStatus(await api.post('/login', right), 200);
    assert.equal(redisExists(env.REDIS_URL, fails), false, 'forgotten on success');
    // The count starts over: two more failures and the right password still get in.
    for (let i = 0; i < 2; i++) expectProblem(await api.post('/login', wrong), 401, 'invalid-credentials');
    expectStatus(await api.post('/login', right), 200);
  });

  test('login_failures_per_ip_block_that_ip_only', async () => {
    const { api } = await instance({ LOGIN_FAILS_PER_IP: 3, LOGIN_FAILS_PER_ACCOUNT: 0 });
    const user = await signup(api);
    const ip = freshIp();
    for (let i = 0; i < 3; i++)
      expectProblem(await api.post('/login', { email: newUser().email, password: 'guess guess' }, as(ip)), 401, 'invalid-credentials');
    const blocked = await api.post('/login', { email: user.email, password: user.password }, as(ip));
    expectProblem(blocked, 429, 'rate-limited');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    expectStatus(await api.post('/login', { email: user.email, password: user.password }, as(freshIp())), 200);
  });

  test('untrusted_peer_cannot_choose_its_ip_with_x_forwarded_for', async () => {
    const emu = await startEmulator();
    const vg = await startVerigate({ env: { TWILIO_VERIFY_BASE_URL: emu.url, LOGIN_FAILS_PER_IP: 2, LOGIN_FAILS_PER_ACCOUNT: 0 } });
    const api = client(vg.url);
    const user = await signup(api);
    // No TRUSTED_PROXIES: every request is 127.0.0.1 whatever the header says.
    for (let i = 0; i < 2; i++)
      await api.post('/login', { email: newUser().email, password: 'guess guess' }, as(`192.0.2.${i + 1}`));
    expectProblem(await api.post('/login', { email: user.email, password: user.password }, as('192.0.2.200')), 429, 'rate-limited');
  });

  test('sms_per_phone_in_10_minutes_across_logins', async () => {
    const { api, emu } = await instance({ SMS_PER_PHONE_10MIN: 2 });
    const user = await signup(api);
    await login(api, user);
    const second = await login(api, user);
    const third = await api.post('/login', { email: user.email, password: user.password });
    expectProblem(third, 429, 'sms-rate-limited');
    assert.ok(Number(third.headers.get('retry-after')) > 500);
    expectProblem(await api.post('/resend', undefined, { token: second.mfa_token }), 429, 'sms-rate-limited');
    assert.equal(await sends(emu), 2, 'Twilio was asked for exactly the allowed sends');
  });

  test('sms_per_phone_per_day', async () => {
    const { api, emu } = await instance({ SMS_PER_PHONE_10MIN: 0, SMS_PER_PHONE_DAY: 3 });
    const user = await signup(api);
    for (let i = 0; i < 3; i++) await login(api, user);
    const refused = await api.post('/login', { email: user.email, password: user.password });
    expectProblem(refused, 429, 'sms-rate-limited');
    assert.ok(Number(refused.headers.get('retry-after')) > 3600, 'the day window, not the 10-minute one');
    assert.equal(await sends(emu), 3);
  });

  // SMS pumping sends to runs of numbers in one range: a block of 1,000 numbers (all digits of the
  // E.164 number but the last 3) gets at most SMS_PER_PREFIX_HOUR SMS, whichever of its numbers
  // they go to, so no one block can spend the service's budget; another block is not affected.
  test('sms_per_number_block_counts_across_its_numbers', async () => {
    const { api, emu } = await instance({ SMS_PER_PREFIX_HOUR: 2 });
    const block = usPhone().slice(0, -3);
    const users = [];
    for (const tail of ['101', '202', '303']) users.push(await signup(api, newUser({ phone: `${block}${tail}` })));
    await login(api, users[0]);
    await login(api, users[1]);
    const refused = await api.post('/login', { email: users[2].email, password: users[2].password });
    expectProblem(refused, 429, 'sms-rate-limited');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal(await sends(emu), 2, 'the third number of the block got no SMS');
    await login(api, await signup(api)); // another block
    assert.equal(await sends(emu), 3);
  });

  test('sms_per_ip_per_hour_across_numbers', async () => {
    const { api, emu } = await instance({ SMS_PER_IP_HOUR: 2 });
    const users = [await signup(api), await signup(api), await signup(api)];
    const ip = freshIp();
    expectStatus(await api.post('/login', { email: users[0].email, password: users[0].password }, as(ip)), 200);
    expectStatus(await api.post('/login', { email: users[1].email, password: users[1].password }, as(ip)), 200);
    expectProblem(await api.post('/login', { email: users[2].email, password: users[2].password }, as(ip)), 429, 'sms-rate-limited');
    expectStatus(await api.post('/login', { email: users[2].email, password: users[2].password }, as(freshIp())), 200);
    assert.equal(await sends(emu), 3);
  });

  test('global_sms_budget_answers_503_and_logs_an_error', async () => {
    // The budget counter is global by design, so this instance gets a Redis database of its own.
    const { startRedis } = require('./lib/procs');
    const redis = await startRedis();
    const { api, emu, vg } = await instance({ SMS_MAX_PER_HOUR: 1, REDIS_URL: redis.url });
    const a = await signup(api);
    const b = await signup(api);
    await login(api, a);
    const refused = await api.post('/login', { email: b.email, password: b.password });
    expectProblem(refused, 503, 'sms-budget-exhausted');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal(await sends(emu), 1);
    assert.match(vg.output(), /ERROR.*SMS budget/, 'an operator hears about it');
  });

  test('sms_allowed_countries_refuses_others_at_signup_and_login', async () => {
    const open = await instance({});
    const american = await signup(open.api, newUser({ phone: usPhone() }));
    // A second instance on the same database, allowing only the UK and France.
    const emu = await startEmulator();
    const vg = await startVerigate({ db: open.vg.db, env: { TWILIO_VERIFY_BASE_URL: emu.url, SMS_ALLOWED_COUNTRIES: '44,33' } });
    const strict = client(vg.url);
    const refused = await strict.post('/signup', newUser({ phone: usPhone() }));
    expectProblem(refused, 422, 'phone-not-deliverable');
    assert.equal(refused.body.errors[0].field, 'phone');
    expectStatus(await strict.post('/signup', newUser({ phone: ukMobile() })), 201);
    // A user registered before the rule: the login is refused before any SMS goes out.
    expectProblem(await strict.post('/login', { email: american.email, password: american.password }), 422, 'phone-not-deliverable');
    assert.equal(await sends(emu), 0);
  });

  test('signups_per_ip_per_hour', async () => {
    const { api } = await instance({ SIGNUPS_PER_IP_HOUR: 2 });
    const ip = freshIp();
    expectStatus(await api.post('/signup', newUser(), as(ip)), 201);
    expectStatus(await api.post('/signup', newUser(), as(ip)), 201);
    const refused = await api.post('/signup', newUser(), as(ip));
    expectProblem(refused, 429, 'rate-limited');
    assert.ok(Number(refused.headers.get('retry-after')) > 3000);
    expectStatus(await api.post('/signup', newUser(), as(freshIp())), 201);
  });

  test('limit_counters_hold_no_personal_data_in_key_names', async () => {
    const { api } = await instance({ LOGIN_FAILS_PER_ACCOUNT: 3 });
    const user = await signup(api);
    await api.post('/login', { email: user.email, password: 'wrong password!' });
    const keys = redisKeys(env.REDIS_URL, 'vg:rl:*');
    assert.ok(keys.includes(keyOf('login-fail-account', user.email)));
    for (const k of keys) {
      assert.ok(!k.includes('@') && !k.includes(user.phone.slice(1)), `no email or phone in ${k}`);
    }
  });
});
