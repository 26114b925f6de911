'use strict';
// The orderly stop: SIGTERM takes the instance out of rotation (/readyz 503) at once, lets the
// requests in flight finish within SHUTDOWN_GRACE_SECONDS, then closes the listener and exits 0.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { signup, codeFor } = require('./lib/flow');
const { startGate } = require('./lib/gate');
const { startVerigate, startEmulator, cleanupSpawned, sleep } = require('./lib/procs');

async function exitsWithin(h, ms) {
  await Promise.race([h.exit, sleep(ms)]);
  return h.exited;
}

function refused(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  });
}

// Polls /readyz until it answers other than 200 (the drain has begun), for at most ms.
async function readyzAfterSignal(api, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await api.get('/readyz');
    if (res.status !== 200 || Date.now() > deadline) return res;
    await sleep(20);
  }
}

describe('orderly shutdown', () => {
  const gates = [];
  after(async () => {
    for (const g of gates) g.close();
    await cleanupSpawned();
    await closeMongo();
  });

  test('sigterm_flips_readyz_and_lets_a_login_in_flight_finish', async () => {
    const emu = await startEmulator();
    const gate = await startGate(emu.url);
    gates.push(gate);
    const vg = await startVerigate({ env: { TWILIO_VERIFY_BASE_URL: gate.url, SHUTDOWN_GRACE_SECONDS: '20' } });
    const api = client(vg.url);
    const user = await signup(api);
    const loginDone = api.post('/login', { email: user.email, password: user.password });
    await gate.arrived; // verigate is inside its Twilio call: the login is in flight
    vg.proc.kill('SIGTERM');

    const ready = await readyzAfterSignal(api, 5000);
    expectProblem(ready, 503, 'not-ready');
    assert.equal(ready.headers.get('connection'), 'close', 'answers while draining close their connection');
    assert.equal(vg.exited, false, 'the process waits for the login in flight');

    gate.release();
    const res = await loginDone;
    expectStatus(res, 200);
    assert.equal(typeof res.body.mfa_token, 'string');
    assert.match(await codeFor(emu.url, user.phone), /^[0-9]{4,10}$/, 'the SMS went out');

    assert.ok(await exitsWithin(vg, 5000), `still running 5 s after its last request:\n${vg.output().slice(-1500)}`);
    assert.equal(vg.code, 0, vg.output().slice(-1500));
    assert.match(vg.output(), /signal 15: draining \(at most 20 s\)/);
    assert.ok(await refused(vg.port), 'the port refuses connections after the exit');
  });

  test('a_request_stuck_past_the_grace_is_cut_and_the_process_exits_in_time', async () => {
    const emu = await startEmulator();
    const gate = await startGate(emu.url); // never released: Twilio never answers
    gates.push(gate);
    const vg = await startVerigate({ env: { TWILIO_VERIFY_BASE_URL: gate.url, SHUTDOWN_GRACE_SECONDS: '1', TWILIO_TIMEOUT_MS: '15000' } });
    const api = client(vg.url);
    const user = await signup(api);
    const loginDone = api.post('/login', { email: user.email, password: user.password }).then(() => 'answered', () => 'cut');
    await gate.arrived;
    const signalled = Date.now();
    vg.proc.kill('SIGTERM');

    assert.ok(await exitsWithin(vg, 1000 + 2000), `still running 3 s after SIGTERM with a 1 s grace:\n${vg.output().slice(-1500)}`);
    const took = Date.now() - signalled;
    assert.ok(took >= 900, `exited after ${took} ms, before the grace was over`);
    assert.equal(vg.code, 0, vg.output().slice(-1500));
    assert.match(vg.output(), /WARNING: shutdown grace over: 1 request still running, cut/);
    assert.equal(await loginDone, 'cut', 'the stuck login gets no answer');
    assert.ok(await refused(vg.port), 'the port refuses connections after the exit');
  });
});
