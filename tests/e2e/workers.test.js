'use strict';
// The HTTP workers never wait: a request that waits on Twilio (or on an Argon2id hash) runs on
// the work pool with its connection suspended, so the other requests, on the same worker, are
// answered meanwhile. With HTTP_THREADS=1 every connection shares one libmicrohttpd worker: if
// the login held it, /healthz and /dashboard would wait for the login.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { client, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { newUser, signup, signedIn, emulatorFault } = require('./lib/flow');
const { startVerigate, startEmulator, cleanupSpawned, sleep } = require('./lib/procs');

const TWILIO_DELAY_MS = 3000;

describe('workers', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('a_login_waiting_on_twilio_does_not_hold_up_other_requests', async () => {
    const emu = await startEmulator();
    const vg = await startVerigate({ env: { HTTP_THREADS: 1, TWILIO_VERIFY_BASE_URL: emu.url } });
    const api = client(vg.url);
    const { access_token: token } = await signedIn(api, emu.url);
    const slow = await signup(api, newUser());
    await emulatorFault(emu.url, { operation: 'start', delay_ms: TWILIO_DELAY_MS, count: 1 });

    let loginDone = false;
    const started = Date.now();
    const login = api.post('/login', { email: slow.email, password: slow.password })
      .then((res) => { loginDone = true; return res; });
    // Let the login get past its hash and into the Twilio call, which takes TWILIO_DELAY_MS.
    await sleep(600);
    expectStatus(await api.get('/healthz'), 200);
    expectStatus(await api.get('/dashboard', { token }), 200);
    assert.equal(loginDone, false, 'both answered while the login was still waiting on Twilio');
    const res = await login;
    expectStatus(res, 200);
    assert.ok(Date.now() - started >= TWILIO_DELAY_MS, 'the login did wait for Twilio');
  });
});
