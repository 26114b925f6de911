'use strict';
// Issue 12's channels: /login and /resend take `channel` (sms, call, whatsapp as ALLOWED_CHANNELS
// allows), `locale` (or Accept-Language) and `app_hash`; Twilio gets Channel, Locale and AppHash;
// every channel counts against the same limits. Own emulator (its request log and stdout are this
// suite's) and own instances for the settings that differ.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo, redis, redisHash, redisExists } = require('./lib/stores');
const { signup, codeFor, emulatorRecord, emulatorRequests, verify } = require('./lib/flow');
const { startVerigate, startEmulator, cleanupSpawned, waitUntil } = require('./lib/procs');
const { rateLimitKey } = require('./lib/ratelimit');
const { decode } = require('./lib/jwt');

const HASH = 'He42w354ol9';
const pendingKey = (mfaToken) => `vg:pending:${decode(mfaToken).payload.jti}`;

describe('channels, locale and app hash', () => {
  let emu, plain, whatsapp, capped, perPhone, cooled;

  before(async () => {
    emu = await startEmulator();
    const on = (over) => startVerigate({ env: Object.assign({ TWILIO_VERIFY_BASE_URL: emu.url, RESEND_COOLDOWN_SECONDS: 0 }, over) });
    const vgs = await Promise.all([
      on({}),
      on({ ALLOWED_CHANNELS: 'sms,call,whatsapp' }),
      on({ ALLOWED_CHANNELS: 'sms,call,whatsapp', MAX_SENDS_PER_LOGIN: 3 }),
      on({ SMS_PER_PHONE_10MIN: 2 }),
      on({ RESEND_COOLDOWN_SECONDS: 30 }),
    ]);
    [plain, whatsapp, capped, perPhone, cooled] = vgs.map((vg) => client(vg.url));
  });

  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  // The Verifications requests the emulator saw for phone, oldest first.
  const startsFor = async (phone) => (await emulatorRequests(emu.url)).filter((r) => r.to === phone && r.path.endsWith('/Verifications'));
  const loginWith = (api, user, extra = {}, opts = {}) => api.post('/login', Object.assign({ email: user.email, password: user.password }, extra), opts);
  // Nothing of the SMS quota was spent on phone: its counter does not exist.
  // Codes /metrics counts as sent on channel by the instance api talks to.
  const sentOn = async (api, channel) => {
    const res = await api.get('/metrics');
    const m = res.text.match(new RegExp(`^verigate_otp_sends_total\\{channel="${channel}",outcome="sent"\\} (\\d+)$`, 'm'));
    assert.ok(m, `no otp_sends_total series for ${channel}`);
    return Number(m[1]);
  };
  const noQuotaSpent = (phone) => assert.ok(!redisExists(env.REDIS_URL, rateLimitKey('sms-phone-10min', phone)), 'an SMS counter was spent');

  test('a_call_login_asks_twilio_for_a_call_and_says_so', async () => {
    const user = await signup(plain);
    const [calls, texts] = [await sentOn(plain, 'call'), await sentOn(plain, 'sms')];
    const res = await loginWith(plain, user, { channel: 'call' });
    expectStatus(res, 200);
    assert.equal(res.body.channel, 'call');
    assert.deepEqual([await sentOn(plain, 'call') - calls, await sentOn(plain, 'sms') - texts], [1, 0], '/metrics counts the call under its channel');
    const starts = await startsFor(user.phone);
    assert.equal(starts.length, 1);
    assert.equal(starts[0].channel, 'call');
    assert.equal(starts[0].status, 201);
    assert.equal(starts[0].locale, null);
    assert.equal(starts[0].app_hash, null);
    assert.equal(redisHash(env.REDIS_URL, pendingKey(res.body.mfa_token)).channel, 'call');
    assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey('sms-phone-10min', user.phone)), '1', 'a call counts as an SMS');
    await verify(plain, res.body.mfa_token, await codeFor(emu.url, user.phone));

    const other = await signup(plain);
    const sms = await loginWith(plain, other);
    expectStatus(sms, 200);
    assert.equal(sms.body.channel, 'sms');
    assert.equal((await startsFor(other.phone))[0].channel, 'sms', 'no channel: sms');
  });

  test('whatsapp_is_refused_by_default_and_sent_when_allowed', async () => {
    const user = await signup(plain);
    for (const channel of ['whatsapp', 'email', 'SMS', 'auto', '']) {
      const res = await loginWith(plain, user, { channel });
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(res.body.errors, [{ field: 'channel', message: 'must be one of: sms, call' }], channel);
    }
    expectProblem(await loginWith(plain, user, { channel: 7 }), 400, 'validation-error');
    assert.deepEqual(await startsFor(user.phone), [], 'no Twilio request');
    noQuotaSpent(user.phone);

    const res = await loginWith(whatsapp, await signup(whatsapp, Object.assign({}, user, { username: `w${user.username}`, email: `w${user.email}` })), { channel: 'whatsapp' });
    expectStatus(res, 200);
    assert.equal(res.body.channel, 'whatsapp');
    const starts = await startsFor(user.phone);
    assert.equal(starts.length, 1);
    assert.equal(starts[0].channel, 'whatsapp');
  });

  test('resend_keeps_the_channel_and_switches_when_asked', async () => {
    const user = await signup(whatsapp);
    const lg = await loginWith(whatsapp, user, { channel: 'call' });
    expectStatus(lg, 200);
    const steps = [[{}, 'call'], [{ channel: 'sms' }, 'sms'], [undefined, 'sms'], [{ channel: 'whatsapp' }, 'whatsapp']];
    for (const [body, channel] of steps) {
      const res = await whatsapp.post('/resend', body, { token: lg.body.mfa_token });
      expectStatus(res, 202);
      assert.equal(res.body.channel, channel, JSON.stringify(body));
      assert.equal(redisHash(env.REDIS_URL, pendingKey(lg.body.mfa_token)).channel, channel);
    }
    assert.deepEqual((await startsFor(user.phone)).map((r) => r.channel), ['call', 'call', 'sms', 'sms', 'whatsapp']);
    const rec = await emulatorRecord(emu.url, user.phone);
    assert.equal(rec.sends, 5, 'one verification, resent on each channel');
    await verify(whatsapp, lg.body.mfa_token, rec.code);
  });

  test('a_refused_resend_spends_nothing', async () => {
    const user = await signup(plain);
    const lg = await loginWith(plain, user, { channel: 'call' });
    expectStatus(lg, 200);
    const before = redis(env.REDIS_URL, 'GET', rateLimitKey('sms-phone-10min', user.phone));
    for (const body of [{ channel: 'whatsapp' }, { locale: 'tlh' }, { app_hash: HASH }, { channel: 'sms', app_hash: 'short' }]) {
      const res = await plain.post('/resend', body, { token: lg.body.mfa_token });
      expectProblem(res, 400, 'validation-error');
      assert.equal(res.body.errors.length, 1, res.text);
      assert.equal(res.body.errors[0].field, Object.keys(body).pop(), res.text);
    }
    assert.equal((await startsFor(user.phone)).length, 1, 'no Twilio request');
    const pending = redisHash(env.REDIS_URL, pendingKey(lg.body.mfa_token));
    assert.equal(pending.sends, '1');
    assert.equal(pending.channel, 'call');
    assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey('sms-phone-10min', user.phone)), before);
  });

  test('every_channel_counts_against_the_same_limits', async () => {
    // The per-login cap: a call, an SMS and a WhatsApp message are three sends.
    const a = await signup(capped);
    const la = await loginWith(capped, a, { channel: 'call' });
    expectStatus(la, 200);
    expectStatus(await capped.post('/resend', { channel: 'sms' }, { token: la.body.mfa_token }), 202);
    expectStatus(await capped.post('/resend', { channel: 'whatsapp' }, { token: la.body.mfa_token }), 202);
    expectProblem(await capped.post('/resend', { channel: 'call' }, { token: la.body.mfa_token }), 429, 'resend-limit');
    assert.deepEqual((await startsFor(a.phone)).map((r) => r.channel), ['call', 'sms', 'whatsapp']);

    // The per-phone limit (2 in 10 min): a call and an SMS.
    const b = await signup(perPhone);
    const lb = await loginWith(perPhone, b, { channel: 'call' });
    expectStatus(lb, 200);
    expectStatus(await perPhone.post('/resend', { channel: 'sms' }, { token: lb.body.mfa_token }), 202);
    expectProblem(await perPhone.post('/resend', { channel: 'call' }, { token: lb.body.mfa_token }), 429, 'sms-rate-limited');
    expectProblem(await loginWith(perPhone, b, { channel: 'call' }), 429, 'sms-rate-limited');
    assert.equal(redis(env.REDIS_URL, 'GET', rateLimitKey('sms-phone-10min', b.phone)), '2');
    assert.deepEqual((await startsFor(b.phone)).map((r) => r.channel), ['call', 'sms']);

    // The cooldown: a call just made holds back an SMS too.
    const c = await signup(cooled);
    const lc = await loginWith(cooled, c, { channel: 'call' });
    expectStatus(lc, 200);
    expectProblem(await cooled.post('/resend', { channel: 'sms' }, { token: lc.body.mfa_token }), 429, 'resend-cooldown');
    assert.deepEqual((await startsFor(c.phone)).map((r) => r.channel), ['call']);
  });

  test('locale_and_accept_language_reach_twilio_only_when_twilio_lists_them', async () => {
    const cases = [
      [{ locale: 'pt-br' }, {}, 'pt-BR'],
      [{}, { 'Accept-Language': 'de-AT, en;q=0.5' }, 'de'],
      [{}, { 'Accept-Language': 'fr;q=0, ja;q=0.1, xx' }, 'ja'],
      [{ locale: 'en-GB' }, { 'Accept-Language': 'fr' }, 'en-GB'],
      [{}, { 'Accept-Language': 'xx-YY, *' }, null],
    ];
    for (const [extra, headers, locale] of cases) {
      const user = await signup(plain);
      expectStatus(await loginWith(plain, user, extra, { headers }), 200);
      const starts = await startsFor(user.phone);
      assert.equal(starts.length, 1);
      assert.equal(starts[0].locale, locale, JSON.stringify([extra, headers]));
    }
    const user = await signup(plain);
    for (const locale of ['klingon', 'pt-PT', 'en_US']) {
      const res = await loginWith(plain, user, { locale });
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(res.body.errors.map((e) => e.field), ['locale']);
    }
    assert.deepEqual(await startsFor(user.phone), []);
    noQuotaSpent(user.phone);

    // A resend keeps the login's locale; a browser's header does not undo it.
    const lg = await loginWith(plain, user, { locale: 'pt-BR' });
    expectStatus(await plain.post('/resend', {}, { token: lg.body.mfa_token, headers: { 'Accept-Language': 'fr' } }), 202);
    expectStatus(await plain.post('/resend', { locale: 'es' }, { token: lg.body.mfa_token }), 202);
    assert.deepEqual((await startsFor(user.phone)).map((r) => r.locale), ['pt-BR', 'pt-BR', 'es']);
  });

  test('app_hash_goes_to_twilio_with_sms_only', async () => {
    const user = await signup(plain);
    for (const [extra, field] of [[{ app_hash: 'He42w354ol' }, 'app_hash'], [{ app_hash: 'He42w354o-9' }, 'app_hash'], [{ channel: 'call', app_hash: HASH }, 'app_hash']]) {
      const res = await loginWith(plain, user, extra);
      expectProblem(res, 400, 'validation-error');
      assert.deepEqual(res.body.errors.map((e) => e.field), [field], JSON.stringify(extra));
    }
    assert.deepEqual(await startsFor(user.phone), []);
    noQuotaSpent(user.phone);

    const lg = await loginWith(plain, user, { app_hash: HASH });
    expectStatus(lg, 200);
    const code = await codeFor(emu.url, user.phone);
    const masked = `+${'*'.repeat(user.phone.length - 5)}${user.phone.slice(-4)}`;
    const line = `SMS to ${masked}: <#> your verigate code is ${code} ${HASH}\n`;
    await waitUntil(emu, () => emu.output().includes(line), 5000, `printing "${line.trim()}" (the SMS ends with the app hash)`);
    // A switch to a call sends no hash; back on sms, the login's hash goes again.
    expectStatus(await plain.post('/resend', { channel: 'call' }, { token: lg.body.mfa_token }), 202);
    expectStatus(await plain.post('/resend', { channel: 'sms' }, { token: lg.body.mfa_token }), 202);
    assert.deepEqual((await startsFor(user.phone)).map((r) => [r.channel, r.app_hash]), [['sms', HASH], ['call', null], ['sms', HASH]]);
  });
});
