'use strict';
// TOTP (RFC 6238) as the second factor, and recovery codes, on the real stack: oathtool plays the
// user's authenticator app, the emulator shows that a TOTP login sends no SMS, MongoDB shows that
// neither the secret nor a recovery code is kept in clear, Redis holds the last step spent.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { users, closeMongo, redis, redisHash } = require('./lib/stores');
const { signup, login, signedIn, emulatorRequests, codeFor } = require('./lib/flow');
const { startVerigate, cleanupSpawned } = require('./lib/procs');
const { decode } = require('./lib/jwt');

const api = client(env.VG_URL);
const STEP = 30;
const stepOf = (t) => Math.floor(t / STEP);
const pendingKey = (mfaToken) => `vg:pending:${decode(mfaToken).payload.jti}`;

// The authenticator app: oathtool's code for secret at Unix time t (default now).
function totp(secret, t = Math.floor(Date.now() / 1000)) {
  return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${t}`], { encoding: 'utf8' }).trim();
}

// Starts a test at the beginning of a step, so that "this step", "the next" and "the last" stay
// inside the server's window of one step either side for the ~20 s a test takes.
async function freshStep() {
  const into = (Date.now() / 1000) % STEP;
  if (into > 8) await new Promise((r) => setTimeout(r, (STEP - into) * 1000 + 200));
  return stepOf(Date.now() / 1000);
}

const codeOfStep = (secret, step) => totp(secret, step * STEP + 1);

// A signed-in user with a confirmed TOTP (confirmed at the code of step `step`).
async function enrolled(step) {
  const s = await signedIn(api, env.EMULATOR_URL);
  const e = await api.post('/factors/totp', undefined, { token: s.access_token });
  expectStatus(e, 201);
  const c = await api.post('/factors/totp/confirm', { code: codeOfStep(e.body.secret, step) }, { token: s.access_token });
  expectStatus(c, 200);
  return Object.assign(s, { secret: e.body.secret, recovery: c.body.recovery_codes, enrollment: e.body });
}

async function totpLogin(user) {
  const res = await api.post('/login', { email: user.email, password: user.password, factor: 'totp' });
  expectStatus(res, 200);
  return res.body;
}

describe('TOTP and recovery codes', () => {
  before(() => execFileSync('oathtool', ['--version']));
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('oathtool_matches_rfc6238_vector_as_the_tests_use_it', () => {
    // RFC 6238 Appendix B, SHA-1, T = 59: 94287082 (8 digits); the secret "12345678901234567890".
    const secret = Buffer.from('12345678901234567890').toString('hex');
    const out = execFileSync('oathtool', ['--totp', '-d', '8', secret, '-N', '@59'], { encoding: 'utf8' }).trim();
    assert.equal(out, '94287082');
  });

  test('totp_enroll_confirm_login_without_sms_verify_amr_otp_dashboard', async () => {
    const step = await freshStep();
    const s = await signedIn(api, env.EMULATOR_URL);
    const e = await api.post('/factors/totp', undefined, { token: s.access_token });
    expectStatus(e, 201);
    assert.match(e.body.secret, /^[A-Z2-7]{32}$/);
    assert.equal(e.body.confirmed, false);
    const uri = new URL(e.body.otpauth_uri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), e.body.secret);
    assert.equal(uri.searchParams.get('issuer'), 'verigate');
    assert.equal(decodeURIComponent(uri.pathname), `/verigate:${s.user.email}`);
    // The QR code: one SVG, a square of 17 + 4v modules (v = version) and a 4-module quiet zone.
    const svg = e.body.qr_svg;
    const m = /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) (\d+)"[^>]*data-modules="(\d+)"/.exec(svg);
    assert.ok(m, svg.slice(0, 200));
    const modules = Number(m[3]);
    assert.equal(Number(m[1]), modules + 8);
    assert.ok(modules >= 21 && (modules - 17) % 4 === 0, `modules ${modules}`);
    assert.ok(svg.endsWith('</svg>') && !/[<>]/.test(svg.slice(svg.indexOf('d="') + 3, svg.lastIndexOf('"/>'))), 'well-formed path');

    // Not yet confirmed: /login does not offer it.
    const before = await login(api, s.user);
    assert.deepEqual(before.factors, ['sms']);

    const c = await api.post('/factors/totp/confirm', { code: codeOfStep(e.body.secret, step) }, { token: s.access_token });
    expectStatus(c, 200);
    assert.equal(c.body.recovery_codes.length, 10);
    for (const code of c.body.recovery_codes) assert.match(code, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
    assert.equal(new Set(c.body.recovery_codes).size, 10);

    // MongoDB: the secret sealed, the codes as keyed hashes; nothing in clear.
    const doc = await (await users(undefined)).findOne({ email: s.user.email });
    assert.equal(doc.totp.confirmed, true);
    assert.match(doc.totp.box, /^k1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    // The keyed hashes are the field names of recovery_codes (one is spent by removing its field).
    assert.equal(Object.keys(doc.recovery_codes).length, 10);
    for (const h of Object.keys(doc.recovery_codes)) assert.match(h, /^[0-9a-f]{64}$/);
    const dump = JSON.stringify(doc);
    assert.ok(!dump.includes(e.body.secret) && !dump.toLowerCase().includes(e.body.secret.toLowerCase()), 'secret in clear');
    for (const code of c.body.recovery_codes) assert.ok(!dump.toUpperCase().includes(code.replace(/-/g, '')), 'recovery code in clear');

    // A TOTP login: no request reaches Twilio, the pending login records no send.
    const seen = (await emulatorRequests(env.EMULATOR_URL)).length;
    const lg = await totpLogin(s.user);
    assert.equal(lg.factor, 'totp');
    assert.deepEqual(lg.factors, ['sms', 'totp']);
    assert.equal((await emulatorRequests(env.EMULATOR_URL)).length, seen, 'a TOTP login asked Twilio');
    const pending = redisHash(env.REDIS_URL, pendingKey(lg.mfa_token));
    assert.equal(pending.sends, '0');
    assert.equal(pending.verification_sid || '', '');

    // The confirming step is spent: the app's next code logs in.
    const v = await api.post('/verify', { factor: 'totp', code: codeOfStep(e.body.secret, step + 1) }, { token: lg.mfa_token });
    expectStatus(v, 200);
    assert.equal((await emulatorRequests(env.EMULATOR_URL)).length, seen, 'a TOTP verify asked Twilio');
    const at = decode(v.body.access_token).payload;
    assert.deepEqual(at.amr, ['pwd', 'otp']);
    assert.equal(at.aal, 'aal2');
    assert.equal(redis(env.REDIS_URL, 'GET', `vg:totp:${s.user.id}`), String(step + 1));
    const dash = await api.get('/dashboard', { token: v.body.access_token });
    expectStatus(dash, 200);
    assert.deepEqual(dash.body.auth.amr, ['pwd', 'otp']);
    // A refresh keeps the factor.
    const r = await api.post('/token/refresh', { refresh_token: v.body.refresh_token });
    expectStatus(r, 200);
    assert.deepEqual(decode(r.body.access_token).payload.amr, ['pwd', 'otp']);
  });

  test('totp_wrong_code_counts_attempts_and_the_last_ends_the_login', async () => {
    const step = await freshStep();
    const s = await enrolled(step);
    const lg = await totpLogin(s.user);
    const right = codeOfStep(s.secret, step + 1);
    const wrong = String((Number(right) + 1) % 1000000).padStart(6, '0');
    const w = await api.post('/verify', { factor: 'totp', code: wrong }, { token: lg.mfa_token });
    expectProblem(w, 401, 'wrong-code');
    assert.equal(w.body.attempts_left, 4);
    assert.equal(redisHash(env.REDIS_URL, pendingKey(lg.mfa_token)).attempts, '1');
    for (let left = 3; left >= 1; left--) {
      const again = await api.post('/verify', { factor: 'totp', code: wrong }, { token: lg.mfa_token });
      expectProblem(again, 401, 'wrong-code');
      assert.equal(again.body.attempts_left, left);
    }
    expectProblem(await api.post('/verify', { factor: 'totp', code: wrong }, { token: lg.mfa_token }), 429, 'too-many-attempts');
    // The login is over: even the right code no longer opens it.
    expectProblem(await api.post('/verify', { factor: 'totp', code: right }, { token: lg.mfa_token }), 401, 'invalid-token');
  });

  test('totp_reused_step_is_refused_and_counted', async () => {
    const step = await freshStep();
    const s = await enrolled(step);
    // The step that confirmed the enrollment, and an older one, are spent.
    const lg = await totpLogin(s.user);
    const same = await api.post('/verify', { factor: 'totp', code: codeOfStep(s.secret, step) }, { token: lg.mfa_token });
    expectProblem(same, 401, 'code-reused');
    assert.equal(same.body.attempts_left, 4);
    const older = await api.post('/verify', { factor: 'totp', code: codeOfStep(s.secret, step - 1) }, { token: lg.mfa_token });
    expectProblem(older, 401, 'code-reused');
    assert.equal(older.body.attempts_left, 3);
    expectStatus(await api.post('/verify', { factor: 'totp', code: codeOfStep(s.secret, step + 1) }, { token: lg.mfa_token }), 200);
    // A code that logged in once never logs in again, on another login.
    const lg2 = await totpLogin(s.user);
    expectProblem(await api.post('/verify', { factor: 'totp', code: codeOfStep(s.secret, step + 1) }, { token: lg2.mfa_token }), 401, 'code-reused');
  });

  test('totp_login_refusals_without_enrollment_and_sms_code_on_a_totp_login', async () => {
    const user = await signup(api);
    const seen = (await emulatorRequests(env.EMULATOR_URL)).length;
    expectProblem(await api.post('/login', { email: user.email, password: user.password, factor: 'totp' }), 409, 'factor-not-enrolled');
    const bad = await api.post('/login', { email: user.email, password: user.password, factor: 'email' });
    expectProblem(bad, 400, 'validation-error');
    assert.equal(bad.body.errors[0].field, 'factor');
    assert.equal((await emulatorRequests(env.EMULATOR_URL)).length, seen, 'a refused login asked Twilio');
    // Without factor: the SMS login as before, listing only sms.
    const lg = await login(api, user);
    assert.equal(lg.factor, 'sms');
    assert.deepEqual(lg.factors, ['sms']);
    expectProblem(await api.post('/verify', { factor: 'totp', code: '123456' }, { token: lg.mfa_token }), 409, 'factor-not-enrolled');

    const step = await freshStep();
    const s = await enrolled(step);
    const tl = await totpLogin(s.user);
    const sms = await api.post('/verify', { code: '123456' }, { token: tl.mfa_token });
    expectProblem(sms, 400, 'validation-error');
    assert.equal(sms.body.errors[0].field, 'factor');
    assert.equal(redisHash(env.REDIS_URL, pendingKey(tl.mfa_token)).attempts, '0');
    // /resend falls back to an SMS, which then verifies as usual.
    expectStatus(await api.post('/resend', undefined, { token: tl.mfa_token }), 202);
    const code = await codeFor(env.EMULATOR_URL, s.user.phone);
    const v = await api.post('/verify', { code }, { token: tl.mfa_token });
    expectStatus(v, 200);
    assert.deepEqual(decode(v.body.access_token).payload.amr, ['pwd', 'sms']);
  });

  test('recovery_code_replaces_second_factor_once_and_says_how_many_remain', async () => {
    const step = await freshStep();
    const s = await enrolled(step);
    const [first, second] = s.recovery;
    // On a TOTP login (no SMS spent), as when the phone is lost too.
    const lg = await totpLogin(s.user);
    const v = await api.post('/verify', { factor: 'recovery', code: first }, { token: lg.mfa_token });
    expectStatus(v, 200);
    assert.deepEqual(decode(v.body.access_token).payload.amr, ['pwd', 'recovery']);
    assert.equal(v.body.recovery_codes_left, 9);
    assert.equal(v.body.notice, undefined);
    const doc = await (await users(undefined)).findOne({ email: s.user.email });
    assert.equal(Object.keys(doc.recovery_codes).length, 9);

    // Spent: refused as a wrong code, counted.
    const lg2 = await totpLogin(s.user);
    const spent = await api.post('/verify', { factor: 'recovery', code: first }, { token: lg2.mfa_token });
    expectProblem(spent, 401, 'wrong-code');
    assert.equal(spent.body.attempts_left, 4);
    // Any case, without dashes.
    const v2 = await api.post('/verify', { factor: 'recovery', code: second.replace(/-/g, '').toLowerCase() }, { token: lg2.mfa_token });
    expectStatus(v2, 200);
    assert.equal(v2.body.recovery_codes_left, 8);
  });

  test('recovery_code_used_twice_at_once_succeeds_exactly_once', async () => {
    const step = await freshStep();
    const s = await enrolled(step);
    const logins = await Promise.all([totpLogin(s.user), totpLogin(s.user), totpLogin(s.user)]);
    const answers = await Promise.all(logins.map((lg) => api.post('/verify', { factor: 'recovery', code: s.recovery[3] }, { token: lg.mfa_token })));
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 401, 401], JSON.stringify(answers.map((r) => r.body)));
    const doc = await (await users(undefined)).findOne({ email: s.user.email });
    assert.equal(Object.keys(doc.recovery_codes).length, 9);
  });

  test('few_recovery_codes_left_tells_the_user_to_renew_and_renewal_replaces_them', async () => {
    const step = await freshStep();
    const s = await enrolled(step);
    let last;
    for (let i = 0; i < 7; i++) {
      const lg = await totpLogin(s.user);
      last = await api.post('/verify', { factor: 'recovery', code: s.recovery[i] }, { token: lg.mfa_token });
      expectStatus(last, 200);
    }
    assert.equal(last.body.recovery_codes_left, 3);
    assert.match(last.body.notice, /recovery codes/);
    const renew = await api.post('/factors/recovery-codes', undefined, { token: last.body.access_token });
    expectStatus(renew, 201);
    assert.equal(renew.body.recovery_codes.length, 10);
    const lg = await totpLogin(s.user);
    expectProblem(await api.post('/verify', { factor: 'recovery', code: s.recovery[8] }, { token: lg.mfa_token }), 401, 'wrong-code');
    const ok = await api.post('/verify', { factor: 'recovery', code: renew.body.recovery_codes[0] }, { token: lg.mfa_token });
    expectStatus(ok, 200);
    assert.equal(ok.body.recovery_codes_left, 9);
  });

  test('totp_confirm_refuses_wrong_codes_and_limits_them', async () => {
    const step = await freshStep();
    const s = await signedIn(api, env.EMULATOR_URL);
    expectProblem(await api.post('/factors/totp/confirm', { code: '123456' }, { token: s.access_token }), 409, 'factor-not-enrolled');
    const e = await api.post('/factors/totp', undefined, { token: s.access_token });
    expectStatus(e, 201);
    const right = codeOfStep(e.body.secret, step);
    const wrong = String((Number(right) + 500000) % 1000000).padStart(6, '0');
    for (let i = 0; i < 5; i++)
      expectProblem(await api.post('/factors/totp/confirm', { code: wrong }, { token: s.access_token }), 401, 'wrong-code');
    const limited = await api.post('/factors/totp/confirm', { code: right }, { token: s.access_token });
    expectProblem(limited, 429, 'rate-limited');
    assert.ok(limited.body.retry_after > 0);
    const doc = await (await users(undefined)).findOne({ email: s.user.email });
    assert.equal(doc.totp.confirmed, false);
    // An mfa_token is not enough to enroll.
    const lg = await login(api, s.user);
    expectProblem(await api.post('/factors/totp', undefined, { token: lg.mfa_token }), 403, 'insufficient-authentication');
  });

  test('totp_enroll_twice_conflicts_and_delete_removes_it', async () => {
    const step = await freshStep();
    const s = await enrolled(step);
    expectProblem(await api.post('/factors/totp', undefined, { token: s.access_token }), 409, 'factor-already-enrolled');
    const del = await api.request('DELETE', '/factors/totp', { token: s.access_token });
    expectStatus(del, 204);
    const doc = await (await users(undefined)).findOne({ email: s.user.email });
    assert.equal(doc.totp, undefined);
    expectProblem(await api.request('DELETE', '/factors/totp', { token: s.access_token }), 409, 'factor-not-enrolled');
    expectProblem(await api.post('/login', { email: s.user.email, password: s.user.password, factor: 'totp' }), 409, 'factor-not-enrolled');
  });

  test('password_reset_of_a_totp_account_sends_no_sms_and_takes_its_authenticator_or_a_recovery_code', async () => {
    const step = await freshStep();
    const s = await enrolled(step);
    const forgot = async () => {
      const f = await api.post('/password/forgot', { email: s.user.email });
      expectStatus(f, 202);
      // The same choices for every address: they say nothing of this account.
      assert.deepEqual(f.body.factors, ['sms', 'totp', 'recovery']);
      return f.body.reset_token;
    };
    const pendingReset = (token) => redisHash(env.REDIS_URL, `vg:pending:reset.${decode(token).payload.jti}`);
    let token = await forgot();
    // No SMS is queued for it at all (a stolen phone alone cannot reset the password), and the
    // pending reset names the account without a phone.
    const pending = pendingReset(token);
    assert.equal(pending.sends, '0');
    assert.equal(pending.phone, '');
    assert.equal(pending.user_id, s.user.id);
    // An SMS code is refused (and counted), whatever it is.
    const bySms = await api.post('/password/reset', { reset_token: token, code: '123456', new_password: 'a whole new horse' });
    expectProblem(bySms, 401, 'wrong-code');
    assert.equal(bySms.body.attempts_left, 4);
    const wrongTotp = await api.post('/password/reset', { reset_token: token, factor: 'totp', code: codeOfStep(s.secret, step + 3), new_password: 'a whole new horse' });
    expectProblem(wrongTotp, 401, 'wrong-code');
    // The authenticator's code of the next step resets it.
    const ok = await api.post('/password/reset', { reset_token: token, factor: 'totp', code: codeOfStep(s.secret, step + 1), new_password: 'a whole new horse' });
    expectStatus(ok, 204);
    expectStatus(await api.post('/login', { email: s.user.email, password: 'a whole new horse' }), 200);
    // The step is spent for logins too.
    const tl = await totpLogin(Object.assign({}, s.user, { password: 'a whole new horse' }));
    expectProblem(await api.post('/verify', { factor: 'totp', code: codeOfStep(s.secret, step + 1) }, { token: tl.mfa_token }), 401, 'code-reused');
    // A recovery code resets it too, once.
    token = await forgot();
    const byRecovery = await api.post('/password/reset', { reset_token: token, factor: 'recovery', code: s.recovery[0], new_password: 'another new horse' });
    expectStatus(byRecovery, 204);
    expectStatus(await api.post('/login', { email: s.user.email, password: 'another new horse' }), 200);
    token = await forgot();
    expectProblem(await api.post('/password/reset', { reset_token: token, factor: 'recovery', code: s.recovery[0], new_password: 'yet another horse' }), 401, 'wrong-code');
  });

  test('totp_is_off_without_a_factor_key_and_says_so', async () => {
    const vg = await startVerigate({ env: { FACTOR_ENCRYPTION_KEY: undefined } });
    assert.match(vg.output(), /TOTP is off: FACTOR_ENCRYPTION_KEY is not set/);
    const own = client(vg.url);
    const s = await signedIn(own, env.EMULATOR_URL);
    expectProblem(await own.post('/factors/totp', undefined, { token: s.access_token }), 404, 'factor-unavailable');
    const lg = await login(own, s.user);
    assert.deepEqual(lg.factors, ['sms']);
    const off = await own.post('/login', { email: s.user.email, password: s.user.password, factor: 'totp' });
    expectProblem(off, 400, 'validation-error');
    assert.equal(off.body.errors[0].field, 'factor');
    expectProblem(await own.post('/verify', { factor: 'recovery', code: 'AAAA-BBBB-CCCC' }, { token: lg.mfa_token }), 404, 'factor-unavailable');
    // A password reset offers the SMS alone, and refuses the others before anything is spent.
    const f = await own.post('/password/forgot', { email: s.user.email });
    expectStatus(f, 202);
    assert.deepEqual(f.body.factors, ['sms']);
    const byTotp = await own.post('/password/reset', { reset_token: f.body.reset_token, factor: 'totp', code: '123456', new_password: 'long enough now 1' });
    expectProblem(byTotp, 400, 'validation-error');
    assert.deepEqual(byTotp.body.errors, [{ field: 'factor', message: 'is not offered by this server: use sms' }]);
  });

  test('factor_key_that_is_not_32_bytes_of_base64_stops_the_start', async () => {
    const vg = await startVerigate({ wait: false, env: { FACTOR_ENCRYPTION_KEY: Buffer.alloc(16, 7).toString('base64') } });
    await vg.exit;
    assert.notEqual(vg.code, 0);
    assert.match(vg.output(), /FACTOR_ENCRYPTION_KEY must be 32 random bytes in base64/);
  });
});
