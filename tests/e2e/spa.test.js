'use strict';
// The example SPA (examples/spa) in headless chromium, through the whole flow a user goes
// through: sign up (a field error first), log in (a wrong password first), a wrong code, a resend
// and its countdown, the code from the emulator, the dashboard, a refresh before expiry, log out.
// Each step asserts what the user sees and what verigate did, and leaves a screenshot.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const { env } = require('./lib/env');
const { client, expectProblem } = require('./lib/http');
const { checkAnswer } = require('./lib/prism');
const { closeMongo, redisHash } = require('./lib/stores');
const { freePort, startVerigate, cleanupSpawned } = require('./lib/procs');
const { newUser, codeFor, emulatorRecord, wrongCode } = require('./lib/flow');
const { startSpa, launchBrowser, screenshotDir } = require('./lib/spa');

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

describe('example SPA in chromium', () => {
  let vg, spa, browser, page, shots, step = 0;
  const exchanges = []; // every answer verigate gave the page: [method, url, status, type, text]

  before(async () => {
    const port = await freePort();
    // A 2 s resend cooldown, so that a resend is refused with a countdown and then accepted.
    vg = await startVerigate({ env: { CORS_ALLOWED_ORIGINS: `http://127.0.0.1:${port}`, RESEND_COOLDOWN_SECONDS: '2' } });
    spa = await startSpa(port, vg.url);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 640, height: 760 } });
    // Fake timers that still flow in real time: the test can jump to just before the access
    // token's expiry instead of waiting 14 minutes for the SPA's refresh.
    await context.clock.install();
    page = await context.newPage();
    page.on('response', (r) => {
      if (!r.url().startsWith(vg.url)) return;
      const req = r.request();
      exchanges.push(r.text().catch(() => '').then((text) => [req.method(), r.url(), r.status(), r.headers()['content-type'], text, req.headers().authorization, r.headers()]));
    });
    shots = screenshotDir();
    await page.goto(spa.url);
  });
  after(async () => {
    if (browser) await browser.close().catch(() => {});
    await cleanupSpawned();
    await closeMongo();
  });

  const shot = (name) => page.screenshot({ path: path.join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });
  const text = (sel) => page.locator(sel).innerText();
  const visible = (sel) => page.locator(sel).waitFor({ state: 'visible', timeout: 10000 });
  const alert = async (pattern) => {
    await visible('#error');
    assert.match(await text('#error'), pattern);
  };
  const answer = (method, pathname, status) => page.waitForResponse((r) => r.url() === vg.url + pathname && r.request().method() === method && (!status || r.status() === status), { timeout: 15000 });

  test('signup_login_code_dashboard_refresh_logout', async () => {
    const user = newUser();
    const api = client(vg.url);

    // Sign up: a number that is no mobile number gets a field error next to the phone input.
    await page.getByRole('button', { name: 'Sign up' }).click();
    await visible('#view-signup');
    for (const f of ['name', 'username', 'email', 'password']) await page.fill(`#signup-${f}`, user[f]);
    await page.fill('#signup-phone', '+1555');
    await Promise.all([answer('POST', '/signup', 400), page.click('#signup-form button[type=submit]')]);
    await alert(/correct the fields/);
    assert.match(await text('#signup-phone-error'), /\S/);
    assert.equal(await page.getAttribute('#signup-phone', 'aria-invalid'), 'true');
    await shot('signup-field-error');
    await page.fill('#signup-phone', user.phone);
    await Promise.all([answer('POST', '/signup', 201), page.click('#signup-form button[type=submit]')]);
    await visible('#view-login');
    assert.match(await text('#notice'), /account is ready/);
    assert.equal(await page.inputValue('#login-email'), user.email);

    // Log in: a wrong password first.
    await page.fill('#login-password', 'not-the-password');
    await Promise.all([answer('POST', '/login', 401), page.click('#login-form button[type=submit]')]);
    await alert(/email or password is not right/);
    await shot('login-wrong-password');
    await page.fill('#login-email', user.email);
    await page.fill('#login-password', user.password);
    await Promise.all([answer('POST', '/login', 200), page.click('#login-form button[type=submit]')]);
    await visible('#view-code');
    assert.match(await text('#code-sent-to'), new RegExp(`${user.phone.slice(-4)}\\.$`));
    assert.equal(await page.getAttribute('#code', 'autocomplete'), 'one-time-code');
    assert.equal(await page.getAttribute('#code', 'inputmode'), 'numeric');
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    await shot('code-sent');

    // A wrong code: the attempts left, as verigate counted them.
    await page.fill('#code', wrongCode(code));
    await Promise.all([answer('POST', '/verify', 401), page.click('#code-form button[type=submit]')]);
    await alert(/That code is not right\. 4 attempts left\./);
    await shot('wrong-code');

    // Resend: whether verigate says "too soon" (429) or "sent" (202), the button waits out the
    // retry_after it reported, with a countdown; after it, a resend is accepted and texted.
    await page.click('#resend');
    const waiting = await page.waitForFunction(() => {
      const t = document.getElementById('resend-wait').textContent;
      return document.getElementById('resend').disabled && /new code in \d+ seconds?/.test(t) && t;
    }, null, { timeout: 10000 });
    assert.match(await waiting.jsonValue(), /new code in [12] seconds?/);
    await shot('resend-countdown');
    await page.waitForFunction(() => !document.getElementById('resend').disabled, null, { timeout: 10000 });
    const sendsBefore = (await emulatorRecord(env.EMULATOR_URL, user.phone)).sends;
    await Promise.all([answer('POST', '/resend', 202), page.click('#resend')]);
    assert.match(await text('#notice'), /new code is on its way/);
    assert.equal((await emulatorRecord(env.EMULATOR_URL, user.phone)).sends, sendsBefore + 1, 'the emulator texted the code once more');
    await shot('code-resent');

    // The right code: the dashboard, read with the access token.
    await page.fill('#code', code);
    const [verified] = await Promise.all([answer('POST', '/verify', 200), page.click('#code-form button[type=submit]')]);
    const first = await verified.json();
    await page.waitForFunction((name) => document.getElementById('d-name').textContent === name, user.name, { timeout: 10000 });
    assert.equal(await text('#d-email'), user.email);
    assert.match(await text('#d-auth'), /pwd \+ sms \(aal2\)/);
    assert.match(await text('#session-info'), /renewed 0 times/);
    await shot('dashboard');

    // Just before the access token expires (expires_in less the SPA's 60 s lead), the SPA
    // refreshes once with the refresh token from /verify and reads the dashboard again with the
    // new access token; verigate has spent the old refresh token.
    const refreshed = answer('POST', '/token/refresh');
    const reread = page.waitForResponse((r) => r.url() === `${vg.url}/dashboard` && r.request().headers().authorization !== `Bearer ${first.access_token}`, { timeout: 15000 });
    await page.clock.fastForward((first.expires_in - 59) * 1000);
    const refresh = await refreshed;
    assert.equal(refresh.status(), 200);
    assert.deepEqual(JSON.parse(refresh.request().postData()), { refresh_token: first.refresh_token });
    const second = await refresh.json();
    const dash = await reread;
    assert.equal(dash.status(), 200);
    assert.equal(dash.request().headers().authorization, `Bearer ${second.access_token}`);
    await page.waitForFunction(() => /renewed 1 time so far/.test(document.getElementById('session-info').textContent), null, { timeout: 10000 });
    assert.equal(redisHash(env.REDIS_URL, `vg:rt:${sha256(first.refresh_token)}`).used, '1', 'the first refresh token is spent');
    await shot('refreshed');

    // Log out: back to the login form; verigate refuses the session's tokens from now on.
    await Promise.all([answer('POST', '/logout', 204), page.click('#logout')]);
    await visible('#view-login');
    assert.match(await text('#notice'), /You are logged out\./);
    await shot('logged-out');
    expectProblem(await api.get('/dashboard', { token: second.access_token }), 401, 'invalid-token');
    expectProblem(await api.post('/token/refresh', { refresh_token: second.refresh_token }), 401, 'invalid-token');

    const refreshes = (await Promise.all(exchanges)).filter(([m, u]) => m === 'POST' && u.endsWith('/token/refresh'));
    assert.equal(refreshes.length, 1, 'one refresh, not one per timer or caller');
  });

  test('every_answer_the_page_got_is_one_the_openapi_file_lists', async () => {
    const all = await Promise.all(exchanges);
    assert.ok(all.length >= 10, `the flow's answers were seen: ${all.length}`);
    for (const [method, url, status, , body, , headers] of all) {
      let json;
      try { json = body ? JSON.parse(body) : undefined; } catch (e) { json = undefined; }
      const violations = await checkAnswer(method, new URL(url).pathname, status, headers, json === undefined ? body : json);
      assert.deepEqual(violations, [], `${method} ${url} ${status}`);
    }
  });
});
