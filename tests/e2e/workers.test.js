'use strict';
// The HTTP workers never wait: a request that waits on Twilio (or on an Argon2id hash) runs on
// the work pool with its connection suspended, so the other requests, on the same worker, are
// answered meanwhile. With HTTP_THREADS=1 every connection shares one libmicrohttpd worker: if
// the login held it, /healthz and /dashboard would wait for the login.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { newUser, signup, signedIn, emulatorFault, emulatorRequests } = require('./lib/flow');
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

  // At most HASH_CONCURRENCY hashes run and HASH_QUEUE wait: a login beyond answers 503 with
  // Retry-After at once, and a refused login sends no SMS. One hash at a time and no queue, and a
  // login every 10 ms, each ~0.1 s of Argon2id: most are refused.
  test('a_full_hash_queue_answers_503_with_retry_after_at_once_and_sends_nothing', async () => {
    const emu = await startEmulator();
    const vg = await startVerigate({
      env: {
        HASH_CONCURRENCY: 1, HASH_QUEUE: 0, LOGIN_FAILS_PER_IP: 0, SMS_PER_PHONE_10MIN: 100, SMS_PER_PHONE_DAY: 100, TWILIO_VERIFY_BASE_URL: emu.url,
      },
    });
    const api = client(vg.url);
    const user = await signup(api, newUser());
    const knocks = [];
    for (let i = 0; i < 40; i++) {
      const sent = Date.now();
      // Strangers (no lock-out builds up), and the user now and then.
      const body = i % 8 === 3 ? { email: user.email, password: user.password } : { email: newUser().email, password: 'not an account' };
      knocks.push(api.post('/login', body).then((res) => ({ res, mine: body.email === user.email, took: Date.now() - sent })));
      await sleep(10);
    }
    const answers = await Promise.all(knocks);
    const refused = answers.filter((a) => a.res.status === 503);
    assert.ok(refused.length >= 10, `statuses ${answers.map((a) => a.res.status)}`);
    for (const { res, took } of refused) {
      expectProblem(res, 503, 'overloaded');
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(res.body.retry_after, 1);
      assert.ok(took < 1000, `a refusal took ${took} ms`);
    }
    for (const { res, mine } of answers.filter((a) => a.res.status !== 503)) {
      if (mine) expectStatus(res, 200);
      else expectProblem(res, 401, 'invalid-credentials');
    }
    const admitted = answers.filter((a) => a.mine && a.res.status === 200).length;
    await sleep(300);
    expectStatus(await api.post('/login', { email: user.email, password: user.password }), 200); // room again
    const sends = (await emulatorRequests(emu.url)).filter((r) => r.path.endsWith('/Verifications'));
    assert.equal(sends.length, admitted + 1, 'an SMS for each admitted login of the user, none for a refused one');
  });
});
