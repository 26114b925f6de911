'use strict';
// Response hardening for browser SPAs: CORS for exact allowed origins only, and the headers every
// answer carries.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { client, rawRequest, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { env } = require('./lib/env');
const { newUser, signup, login, codeFor, verify, wrongCode } = require('./lib/flow');
const { startVerigate, cleanupSpawned } = require('./lib/procs');

const APP = 'https://app.example.test';

describe('hardening', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('cors_preflight_answers_allowed_origins_only', async () => {
    const vg = await startVerigate({ env: { CORS_ALLOWED_ORIGINS: `${APP}, http://localhost:5173` } });
    const ask = (origin) => rawRequest(vg.url, 'OPTIONS', '/login', {
      spec: false,
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    const ok = await ask(APP);
    expectStatus(ok, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    assert.match(ok.headers.get('access-control-allow-methods'), /POST/);
    assert.match(ok.headers.get('access-control-allow-headers'), /Authorization/);
    assert.match(ok.headers.get('access-control-allow-headers'), /Content-Type/);
    assert.equal(ok.headers.get('access-control-allow-credentials'), null, 'tokens travel in headers: no credentials');
    assert.match(ok.headers.get('vary'), /Origin/);
    const evil = await ask('https://evil.example.test');
    expectStatus(evil, 204);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const prefix = await ask(`${APP}.evil.example`);
    assert.equal(prefix.headers.get('access-control-allow-origin'), null, 'origins match exactly, not by prefix');
  });

  test('cors_headers_on_actual_responses_expose_what_clients_need', async () => {
    const vg = await startVerigate({ env: { CORS_ALLOWED_ORIGINS: APP } });
    const user = newUser();
    const res = await rawRequest(vg.url, 'POST', '/signup', {
      headers: { Origin: APP, 'Content-Type': 'application/json' }, chunks: [JSON.stringify(user)],
    });
    expectStatus(res, 201);
    assert.equal(res.headers.get('access-control-allow-origin'), APP);
    assert.match(res.headers.get('access-control-expose-headers'), /Retry-After/);
    assert.match(res.headers.get('access-control-expose-headers'), /WWW-Authenticate/);
    const other = await rawRequest(vg.url, 'GET', '/healthz', { headers: { Origin: 'https://evil.example.test' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('no_cors_without_configured_origins', async () => {
    const vg = await startVerigate({});
    const res = await rawRequest(vg.url, 'OPTIONS', '/verify', { spec: false, headers: { Origin: APP, 'Access-Control-Request-Method': 'POST' } });
    expectStatus(res, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  test('security_headers_on_every_answer', async () => {
    const vg = await startVerigate({});
    const api = client(vg.url);
    const answers = [
      await api.get('/healthz'),
      await api.post('/login', { email: 'nobody@e2e.example', password: 'nothing at all' }),
      await signup(api).then(() => api.get('/dashboard')),
    ];
    for (const res of answers) {
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(res.headers.get('x-request-id') || '', /^[0-9a-f]{16}$/);
    }
  });

  test('audit_events_one_line_each_with_ip_and_request_id_never_a_secret', async () => {
    // No reuse grace, so that the spent refresh token presented again is a replay at once.
    const vg = await startVerigate({ env: { TRUSTED_PROXIES: '127.0.0.1/32', REFRESH_REUSE_GRACE_SECONDS: '0' } });
    const api = client(vg.url);
    const from = { headers: { 'X-Forwarded-For': '203.0.113.45' } };
    const user = await signup(api);
    await api.post('/login', { email: user.email, password: 'not the password' }, from);
    // Session A: a wrong code, the right one, a refresh, then the spent refresh token again.
    const a = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    await api.post('/verify', { code: wrongCode(code) }, { token: a.mfa_token });
    const tokensA = await verify(api, a.mfa_token, code);
    expectStatus(await api.post('/token/refresh', { refresh_token: tokensA.refresh_token }), 200);
    expectStatus(await api.post('/token/refresh', { refresh_token: tokensA.refresh_token }), 401);
    // Session B: logged out.
    const b = await login(api, user);
    const tokensB = await verify(api, b.mfa_token, await codeFor(env.EMULATOR_URL, user.phone));
    expectStatus(await api.post('/logout', undefined, { token: tokensB.access_token }), 204);

    const lines = vg.output().split('\n').filter((l) => l.includes(' audit '));
    const events = lines.map((l) => (l.match(/event=(\S+)/) || [])[1]);
    for (const e of ['signup', 'login_failed', 'login_ok', 'code_sent', 'verify_failed', 'verify_ok', 'refresh', 'refresh_reuse', 'logout'])
      assert.ok(events.includes(e), `an audit line for ${e} (got ${events.join(', ')})`);
    const failed = lines.find((l) => l.includes('event=login_failed'));
    assert.match(failed, /req=[0-9a-f]{16} /);
    assert.match(failed, /ip=203\.0\.113\.45/);
    const sent = lines.find((l) => l.includes('event=code_sent'));
    assert.match(sent, new RegExp(`user=${user.id}`));
    assert.match(sent, new RegExp(`to=\\+\\*+${user.phone.slice(-4)}`));
    const all = vg.output();
    for (const secret of [user.password, code, a.mfa_token, tokensA.access_token, tokensA.refresh_token, user.phone])
      assert.ok(!all.includes(secret), 'no password, code, token or whole phone number in the log');
  });
});
