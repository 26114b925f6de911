'use strict';
// Issue 11: a login's failure is reserved before its password is checked, so a burst gets no
// more password checks than the limits allow, on one instance or several; counters are named by
// a keyed hash; the audit log says whose login failed.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, redisExists, redis } = require('./lib/stores');
const { newUser, signup, emulatorRequests, freshIp } = require('./lib/flow');
const { startVerigate, startEmulator, startJongodb, cleanupSpawned } = require('./lib/procs');
const { rateLimitKey, accountTag, plainKey } = require('./lib/ratelimit');

const as = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
// Room in the hash queue for the whole burst: a shed login (503) would prove nothing here.
const BURST_ROOM = { TRUSTED_PROXIES: '127.0.0.1/32', HASH_QUEUE: 64, RESEND_COOLDOWN_SECONDS: 0 };

async function instances(count, limits) {
  const emu = await startEmulator();
  const db = `vg_e2e_${crypto.randomBytes(4).toString('hex')}`;
  const vgs = [];
  for (let i = 0; i < count; i++)
    vgs.push(await startVerigate({ db, env: Object.assign({ TWILIO_VERIFY_BASE_URL: emu.url }, BURST_ROOM, limits) }));
  return { apis: vgs.map((vg) => client(vg.url)), emu, vgs };
}

const allSends = async (emu) => (await emulatorRequests(emu.url)).filter((r) => r.path.endsWith('/Verifications')).length;

// n wrong passwords and then the right one, all at once, spread over apis; the statuses.
async function burst(apis, user, n, ip) {
  const bodies = [];
  for (let i = 0; i < n; i++) bodies.push({ email: user.email, password: `wrong password ${i}` });
  bodies.push({ email: user.email, password: user.password });
  const answers = await Promise.all(bodies.map((b, i) => apis[i % apis.length].post('/login', b, as(ip))));
  return answers;
}

function checkedAtMost(answers, limit) {
  const statuses = answers.map((a) => a.status);
  const checked = statuses.filter((s) => s === 401 || s === 200).length;
  assert.ok(checked <= limit, `${checked} passwords checked of a burst, limit ${limit}: ${statuses}`);
  for (const a of answers) if (a.status === 429) expectProblem(a, 429, 'rate-limited');
  assert.equal(statuses.filter((s) => s === 429).length, answers.length - checked, `only 401, 200 and 429: ${statuses}`);
  return statuses;
}

async function lockHoldsAfterBurst(apis, emu, user, answers) {
  const lock = rateLimitKey('login-lock', user.email);
  const right = answers[answers.length - 1].status;
  // Only a right password whose own reservation set the lock takes it back (see limits.c).
  assert.ok(redisExists(env.REDIS_URL, lock) || right === 200, 'the burst set the lock');
  if (right !== 200) assert.equal(await allSends(emu), 0, 'no SMS: the right password came after the lock');
  if (redisExists(env.REDIS_URL, lock)) {
    const before = await allSends(emu);
    for (const api of apis)
      expectProblem(await api.post('/login', { email: user.email, password: user.password }, as(freshIp())), 429, 'rate-limited');
    assert.equal(await allSends(emu), before, 'a locked account sends no SMS');
  }
}

describe('login bursts, keyed counters, whose login failed', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('a_burst_of_wrong_passwords_checks_at_most_the_limit', async () => {
    const { apis, emu } = await instances(1, { LOGIN_FAILS_PER_ACCOUNT: 3, LOGIN_LOCK_SECONDS: 120 });
    const user = await signup(apis[0]);
    const answers = await burst(apis, user, 9, freshIp());
    checkedAtMost(answers, 3);
    await lockHoldsAfterBurst(apis, emu, user, answers);
  });

  test('a_burst_across_two_instances_on_one_redis_checks_at_most_the_limit', async () => {
    const { apis, emu } = await instances(2, { LOGIN_FAILS_PER_ACCOUNT: 3, LOGIN_LOCK_SECONDS: 120 });
    const user = await signup(apis[0]);
    const answers = await burst(apis, user, 11, freshIp());
    checkedAtMost(answers, 3);
    await lockHoldsAfterBurst(apis, emu, user, answers);
  });

  test('a_burst_from_one_ip_checks_at_most_the_per_ip_limit', async () => {
    const { apis } = await instances(2, { LOGIN_FAILS_PER_IP: 3, LOGIN_FAILS_PER_ACCOUNT: 0 });
    const user = await signup(apis[0]);
    const ip = freshIp();
    const bodies = [];
    for (let i = 0; i < 9; i++) bodies.push({ email: newUser().email, password: 'guess guess' });
    bodies.push({ email: user.email, password: user.password });
    const answers = await Promise.all(bodies.map((b, i) => apis[i % 2].post('/login', b, as(ip))));
    checkedAtMost(answers, 3);
    if (answers[answers.length - 1].status !== 200)
      expectProblem(await apis[0].post('/login', { email: user.email, password: user.password }, as(ip)), 429, 'rate-limited');
    expectStatus(await apis[1].post('/login', { email: user.email, password: user.password }, as(freshIp())), 200);
  });

  test('a_login_mongodb_cannot_answer_gives_its_reservation_back', async () => {
    const mongo = await startJongodb();
    const emu = await startEmulator();
    const vg = await startVerigate({
      env: Object.assign({ TWILIO_VERIFY_BASE_URL: emu.url, MONGODB_URI: mongo.uri || mongo.url, LOGIN_FAILS_PER_ACCOUNT: 2, LOGIN_FAILS_PER_IP: 2 }, BURST_ROOM),
    });
    const api = client(vg.url);
    const user = await signup(api);
    const ip = freshIp();
    await mongo.stop();
    for (let i = 0; i < 4; i++) {
      const r = await api.post('/login', { email: user.email, password: 'wrong password!' }, as(ip));
      assert.ok(r.status === 503, `MongoDB down: ${r.status}`);
    }
    for (const [scope, subject] of [['login-fail-account', user.email], ['login-fail-ip', ip], ['login-lock', user.email]])
      assert.ok(['', '0'].includes(redis(env.REDIS_URL, 'GET', rateLimitKey(scope, subject))), `${scope} given back`);
  });

  test('rate_limit_keys_are_keyed_hashes_not_plain_sha256', async () => {
    const { apis } = await instances(1, { SMS_PER_IP_HOUR: 5, SMS_PER_PHONE_10MIN: 5 });
    const user = await signup(apis[0]);
    const ip = freshIp();
    expectStatus(await apis[0].post('/login', { email: user.email, password: user.password }, as(ip)), 200);
    for (const [scope, subject] of [['sms-ip-hour', ip], ['sms-phone-10min', user.phone]]) {
      assert.equal(redisExists(env.REDIS_URL, plainKey(scope, subject)), false, `${scope}: not the plain SHA-256`);
      assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey(scope, subject)), '1', `${scope}: the keyed hash`);
    }
  });

  // A hash that waited its 2 s in the queue and gave up (503) says nothing about the password:
  // its reservation, taken at the gate before it queued, is given back, so only the checked
  // passwords stay counted. One hash at a time and room for all in the queue: 40 hashes take
  // longer than 2 s, so the last ones give up after the gate let them in.
  test('a_login_whose_hash_gives_up_in_the_queue_gives_its_reservation_back', async () => {
    const { apis } = await instances(1, { LOGIN_FAILS_PER_ACCOUNT: 100, HASH_CONCURRENCY: 1, HASH_QUEUE: 64 });
    const user = await signup(apis[0]);
    const answers = await Promise.all(Array.from({ length: 40 },
      (_, i) => apis[0].post('/login', { email: user.email, password: `wrong password ${i}` })));
    for (const r of answers) if (r.status !== 401) expectProblem(r, 503, 'overloaded');
    assert.ok(answers.some((r) => r.status === 503), 'some hashes gave up in the queue');
    const failed = answers.filter((r) => r.status === 401).length;
    assert.equal(Number(redis(env.REDIS_URL, 'GET', rateLimitKey('login-fail-account', user.email)) || 0), failed,
      'only the checked passwords count');
  });

  // Another signing key, another secret: the same subject's counter has another name, and one
  // instance's counts are not another's.
  test('rate_limit_keys_differ_between_two_signing_keys', async () => {
    const { apis, emu, vgs } = await instances(1, { SMS_PER_IP_HOUR: 5, SMS_PER_PHONE_10MIN: 5 });
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vg-e2e-key-')), 'key.pem');
    fs.writeFileSync(file, pem, { mode: 0o600 });
    const other = await startVerigate({ db: vgs[0].db,
      env: Object.assign({ TWILIO_VERIFY_BASE_URL: emu.url, JWT_PRIVATE_KEY_FILE: file, SMS_PER_IP_HOUR: 5, SMS_PER_PHONE_10MIN: 5 }, BURST_ROOM) });
    const user = await signup(apis[0]);
    const ip = freshIp();
    expectStatus(await apis[0].post('/login', { email: user.email, password: user.password }, as(ip)), 200);
    expectStatus(await client(other.url).post('/login', { email: user.email, password: user.password }, as(ip)), 200);
    for (const [scope, subject] of [['sms-ip-hour', ip], ['sms-phone-10min', user.phone]]) {
      assert.notEqual(rateLimitKey(scope, subject, pem), rateLimitKey(scope, subject));
      assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey(scope, subject)), '1', `${scope}: the shared key's counter`);
      assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey(scope, subject, pem)), '1', `${scope}: the other key's own counter`);
    }
  });

  test('the_audit_log_names_the_user_or_tags_an_unknown_address', async () => {
    const { apis, vgs } = await instances(1, { LOGIN_FAILS_PER_ACCOUNT: 2, LOGIN_LOCK_SECONDS: 120 });
    const api = apis[0];
    const user = await signup(api);
    const ghost = newUser().email;
    const known = await api.post('/login', { email: user.email, password: 'wrong password!' });
    const unknown = await api.post('/login', { email: ghost.toUpperCase(), password: 'wrong password!' });
    expectProblem(known, 401, 'invalid-credentials');
    expectProblem(unknown, 401, 'invalid-credentials');
    assert.deepEqual(unknown.body, known.body, 'the same 401 for an unknown account');
    await api.post('/login', { email: user.email, password: 'wrong password!' });
    await api.post('/login', { email: ghost, password: 'wrong password!' });
    expectProblem(await api.post('/login', { email: user.email, password: user.password }), 429, 'rate-limited');
    expectProblem(await api.post('/login', { email: ghost, password: 'wrong password!' }), 429, 'rate-limited');
    const lines = vgs[0].output().split('\n');
    const of = (event, who) => lines.filter((l) => l.includes(`audit event=${event} `) && l.includes(who));
    assert.equal(of('login_failed', `user=${user.id} `).length, 2, 'a failure on an account names its user');
    assert.equal(of('login_locked', `user=${user.id} `).length, 1, 'a lock of an account names its user');
    const tag = accountTag(ghost.toLowerCase());
    const tagged = lines.filter((l) => new RegExp(`audit event=login_failed .*user=- to=- ip=\\S+ account=${tag}$`).test(l));
    assert.equal(tagged.length, 2, `unknown address tagged ${tag}`);
    assert.equal(of('login_locked', `account=${tag}`).length, 1);
    assert.ok(!vgs[0].output().includes(ghost) && !vgs[0].output().includes(ghost.toUpperCase()), 'no address in the log');
    assert.ok(!vgs[0].output().includes(user.email), 'no address in the log');
  });
});
