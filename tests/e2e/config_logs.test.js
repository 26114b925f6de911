'use strict';
// Start-up configuration and log hygiene, on verigate instances of our own.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, users } = require('./lib/stores');
const { newUser, signup, login, codeFor, wrongCode, verify, usPhone } = require('./lib/flow');
const { startVerigate, cleanupSpawned, sleep, logLeaks } = require('./lib/procs');
const J = require('./lib/jwt');


async function exitsWithin(h, ms) {
  await Promise.race([h.exit, sleep(ms)]);
  return h.exited;
}

describe('configuration and logs', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('invalid_config_exits_naming_the_variable', async () => {
    const cases = [
      ['PORT', 'eighty'], ['PORT', '70000'], ['JWT_ALG', 'HS256'], ['JWT_ALG', 'none'], ['MFA_TOKEN_TTL', '0'],
      ['MFA_TOKEN_TTL', 'abc'], ['ACCESS_TOKEN_TTL', '-5'], ['RESEND_COOLDOWN_SECONDS', 'soon'], ['MAX_CODE_ATTEMPTS', 'x'],
      ['LOG_LEVEL', 'chatty'], ['TWILIO_AUTH_TOKEN', undefined], ['TWILIO_ACCOUNT_SID', undefined], ['REDIS_URL', 'http://nope'],
      ['JWT_PRIVATE_KEY_FILE', '/nonexistent/key.pem'], ['MFA_TOKEN_TTL', '601'], ['MONGODB_URI', 'nope://x'],
      ['TWILIO_VERIFY_SERVICE_SID', 'VAshort'], ['BIND_ADDRESS', 'not-an-address'],
      ['CORS_ALLOWED_ORIGINS', '*'], ['CORS_ALLOWED_ORIGINS', 'https://app.example/path'], ['TRUSTED_PROXIES', '10.0.0.0/99'],
      ['SMS_ALLOWED_COUNTRIES', '1,0x'], ['LOGIN_FAILS_PER_ACCOUNT', '-1'], ['HASH_CONCURRENCY', '0'], ['HASH_ENGINE', 'argon2'],
      ['TWILIO_VERIFY_BASE_URL', 'http://verify.twilio.com'], ['THREAD_STACK_KB', '64'], ['IPV6_LIMIT_PREFIX', '16'], ['BIND_ADDRESS', '::g'],
      ['ALLOWED_CHANNELS', 'sms,email'], ['ALLOWED_CHANNELS', 'sms,'], ['ALLOWED_CHANNELS', ','], ['ALLOWED_CHANNELS', 'SMS'],
    ];
    const problems = [];
    await Promise.all(cases.map(async ([name, value]) => {
      const h = await startVerigate({ wait: false, env: { [name]: value } });
      const what = `${name}=${value === undefined ? '(unset)' : value}`;
      if (!(await exitsWithin(h, 5000))) problems.push(`${what}: still running after 5 s`);
      else if (h.code === 0) problems.push(`${what}: exit status 0`);
      else if (!new RegExp(`\\b${name}\\b`).test(h.output())) problems.push(`${what}: the message does not name ${name}: ${h.output().trim().split('\n').pop()}`);
    }));
    assert.deepEqual(problems, []);
  });

  test('each_hash_engine_logs_in_users_the_other_signed_up', async () => {
    const sodium = await startVerigate({ env: { HASH_ENGINE: 'libsodium' } });
    const argon2 = await startVerigate({ db: sodium.db, env: { HASH_ENGINE: 'libargon2' } });
    assert.match(sodium.output(), /password hashes: Argon2id by libsodium\b/);
    assert.match(argon2.output(), /password hashes: Argon2id by libargon2 on huge pages\b/);
    const [a, b] = [client(sodium.url), client(argon2.url)];
    for (const [by, other] of [[a, b], [b, a]]) {
      const user = await signup(by);
      const doc = await (await users(sodium.db)).findOne({ email: user.email });
      // libsodium's format and cost, whichever engine wrote it.
      assert.match(doc.password_hash, /^\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
      expectStatus(await other.post('/login', { email: user.email, password: user.password }), 200);
      expectProblem(await other.post('/login', { email: user.email, password: `${user.password}!` }), 401, 'invalid-credentials');
    }
  });

  test('users_from_before_username_keys_get_one_and_case_pairs_do_not_stop_the_start', async () => {
    // A database from before usernames were unique whatever their case: users without a
    // username_key, one pair of them differing only in case.
    const db = `vg_e2e_${crypto.randomBytes(4).toString('hex')}`;
    const tag = crypto.randomBytes(3).toString('hex');
    const old = (username, n) => ({ name: 'Old', username, email: `old${n}_${tag}@e2e.example`,
      phone: usPhone(), password_hash: 'x', phone_verified: false, created_at: new Date() });
    await (await users(db)).insertMany([old(`Bob_${tag}`, 1), old(`bob_${tag}`, 2), old(`Carol_${tag}`, 3)]);
    const vg = await startVerigate({ db });
    assert.match(vg.output(), /INFO: mongodb: 2 users given a username_key/);
    assert.match(vg.output(), /ERROR: mongodb: 1 users have a username that differs only in case/);
    assert.ok(!vg.output().includes(`ob_${tag}`), 'the usernames themselves are not logged');
    const keys = (await (await users(db)).find({ username: new RegExp(`_${tag}$`) }).toArray()).map((d) => d.username_key);
    assert.deepEqual(keys.filter(Boolean).sort(), [`bob_${tag}`, `carol_${tag}`]);
    const api = client(vg.url);
    await signup(api); // signups go on
    for (const taken of [`CAROL_${tag}`, `BOB_${tag}`, `bob_${tag}`])
      expectProblem(await api.post('/signup', newUser({ username: taken })), 409, 'already-exists');
    // A second start finds nothing left to key.
    const again = await startVerigate({ db });
    assert.ok(!/given a username_key/.test(again.output()));
  });

  test('duplicate_emails_in_the_store_stop_the_start_without_being_logged', async () => {
    const db = `vg_e2e_${crypto.randomBytes(4).toString('hex')}`;
    const email = `twice_${crypto.randomBytes(3).toString('hex')}@e2e.example`;
    const doc = (n) => ({ name: 'Old', username: `twice_${n}_${crypto.randomBytes(3).toString('hex')}`, email,
      phone: usPhone(), password_hash: 'x', phone_verified: false, created_at: new Date() });
    await (await users(db)).insertMany([doc(1), doc(2)]);
    const h = await startVerigate({ db, wait: false });
    assert.ok(await exitsWithin(h, 10000), 'verigate stops');
    assert.notEqual(h.code, 0);
    assert.match(h.output(), /two users with one email/);
    assert.ok(!h.output().includes(email), 'the address itself is not logged');
  });

  test('no_key_file_means_an_ephemeral_key_and_a_warning', async () => {
    const vg = await startVerigate({ env: { JWT_PRIVATE_KEY_FILE: undefined } });
    const api = client(vg.url);
    assert.match(vg.output(), /warn/i, 'a warning about the ephemeral key');
    const res = await api.get('/.well-known/jwks.json');
    expectStatus(res, 200);
    const mine = J.publicKey().export({ format: 'jwk' });
    assert.ok(res.body.keys.length >= 1 && res.body.keys.every((k) => k.n !== mine.n), 'a fresh key, not the shared one');
    // Tokens of the shared instance are not accepted by it.
    const user = await signup(api);
    await login(api, user);
    const forged = J.mintAccess(user.id, res.body.keys[0].kid).token; // its kid, the shared key's signature
    expectProblem(await api.get('/dashboard', { token: forged }), 401, 'invalid-token');
  });

  test('logs_never_show_passwords_codes_tokens_or_phone_numbers', async () => {
    const vg = await startVerigate({ env: { LOG_LEVEL: 'debug' } });
    const api = client(vg.url);
    const user = await signup(api, newUser());
    const badPassword = `${user.password}-wrong`;
    expectProblem(await api.post('/login', { email: user.email, password: badPassword }), 401, 'invalid-credentials');
    const lg = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    const bad = wrongCode(code);
    expectProblem(await api.post('/verify', { code: bad }, { token: lg.mfa_token }), 401, 'wrong-code');
    expectProblem(await api.post('/resend', undefined, { token: lg.mfa_token }), 429, 'resend-cooldown');
    const v = await verify(api, lg.mfa_token, code);
    expectStatus(await api.get('/dashboard', { token: v.access_token }), 200);
    expectProblem(await api.get('/dashboard', { token: lg.mfa_token }), 403, 'insufficient-authentication');
    await sleep(200); // let the last lines reach the pipe

    const logs = vg.output();
    assert.ok(logs.split('\n').filter(Boolean).length >= 3, `debug logging says something:\n${logs}`);
    const secrets = {
      password: user.password, 'wrong password': badPassword,
      'mfa_token': lg.mfa_token, 'access_token': v.access_token,
      'mfa_token signature': lg.mfa_token.split('.')[2], 'access_token signature': v.access_token.split('.')[2],
      'phone (E.164)': user.phone, 'phone (digits)': user.phone.slice(1), 'phone (national)': user.phone.slice(2),
      'Twilio Basic credentials': Buffer.from(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`).toString('base64'),
      'password hash': '$argon2id$',
    };
    if (env.TWILIO_AUTH_TOKEN.length >= 8) secrets['Twilio auth token'] = env.TWILIO_AUTH_TOKEN;
    for (const [what, s] of Object.entries(secrets)) {
      assert.ok(!logs.includes(s), `the log shows the ${what}:\n${logs.split('\n').filter((l) => l.includes(s)).join('\n')}`);
    }
    // Codes are short digit strings: look for them as whole numbers, not inside longer ones.
    for (const [what, c] of [['code', code], ['wrong code', bad]]) {
      const re = new RegExp(`(^|[^0-9])${c}([^0-9]|$)`);
      if (c === String(vg.proc.pid) || c === String(vg.port)) continue; // a number we cannot tell apart
      const lines = logs.split('\n').filter((l) => re.test(l));
      assert.deepEqual(lines, [], `the log shows the ${what} ${c}`);
    }
    assert.deepEqual(logLeaks(logs), [], 'no E.164 number and no JWT in the log');
  });
});
