'use strict';
// End-to-end tests of tools/verify-emulator, the in-memory Twilio Verify v2 emulator, over HTTP.
// Run: EMULATOR_BIN=build/verify-emulator node --test tests/e2e/emulator.test.js
// Needs Node 18.19+ (global fetch, node:test); starts its own emulators on free loopback ports.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const readline = require('node:readline');

const BIN = process.env.EMULATOR_BIN;
const ACCOUNT = 'AC' + 'a1'.repeat(16);
const TOKEN = 'emulator-test-token';
const SERVICE = 'VA' + 'b2'.repeat(16);
const OTHER_SERVICE = 'VA' + 'c3'.repeat(16);
const AUTH = 'Basic ' + Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64');
const SID_RE = (prefix) => new RegExp(`^${prefix}[0-9a-f]{32}$`);
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const VERIFICATIONS = `/v2/Services/${SERVICE}/Verifications`;
const CHECK = `/v2/Services/${SERVICE}/VerificationCheck`;

let numberSeq = 0;
// A fresh E.164 number per test, so tests never share a verification.
function nextNumber() {
  numberSeq += 1;
  return `+1415555${String(1000 + numberSeq)}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts one emulator and resolves once it prints its "listening" line. settings.args go on the
// command line; settings.env is added to the environment; settings.portViaEnv passes the port as
// VERIFY_EMULATOR_PORT instead of --port. Retries on another port if the chosen one got taken.
async function startEmulator(settings = {}) {
  assert.ok(BIN, 'EMULATOR_BIN must name the verify-emulator binary');
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const env = { ...process.env, ...(settings.env || {}) };
    const args = [...(settings.args || [])];
    if (settings.portViaEnv) env.VERIFY_EMULATOR_PORT = String(port);
    else args.unshift('--port', String(port));
    const child = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
    });
    const listening = new Promise((resolve) => {
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        if (line.includes('listening on')) resolve(true);
      });
    });
    const outcome = await Promise.race([listening, exited, sleep(5000).then(() => 'timeout')]);
    if (outcome && outcome.error) throw new Error(`cannot run ${BIN}: ${outcome.error.message}`);
    const ready = outcome === true;
    if (ready) {
      return {
        base: `http://127.0.0.1:${port}`,
        child,
        lines,
        exited,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      };
    }
    if (outcome === 'timeout') child.kill('SIGKILL');
    await exited;
    if (attempt === 4) throw new Error(`verify-emulator did not start: ${stderr}`);
  }
  throw new Error('unreachable');
}

// One HTTP call. form becomes an x-www-form-urlencoded body, json a JSON body; auth defaults to
// the right credentials (pass null to send none). Resolves to {status, headers, body}.
async function call(emu, method, path, { form, json, auth = AUTH } = {}) {
  const headers = {};
  let body;
  if (auth) headers.Authorization = auth;
  if (form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  } else if (json) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  const res = await fetch(emu.base + path, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const startVerification = (emu, to, channel = 'sms') =>
  call(emu, 'POST', VERIFICATIONS, { form: { To: to, Channel: channel } });
const checkCode = (emu, form) => call(emu, 'POST', CHECK, { form });
const latest = (emu, to) => call(emu, 'GET', `/__emulator/verifications?to=${encodeURIComponent(to)}`, { auth: null });

function assertTwilioError(res, status, code, message) {
  assert.equal(res.status, status);
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  assert.equal(res.body.more_info, `https://www.twilio.com/docs/errors/${code}`);
  if (message !== undefined) assert.equal(res.body.message, message);
}

let emu;

before(async () => {
  emu = await startEmulator({
    args: ['--account-sid', ACCOUNT, '--auth-token', TOKEN, '--service-sid', SERVICE],
  });
});

after(async () => {
  if (emu) await emu.stop();
});

test('start_returns_201_with_twilio_verification_shape', async () => {
  const to = nextNumber();
  const res = await startVerification(emu, to);
  assert.equal(res.status, 201);
  const v = res.body;
  assert.match(v.sid, SID_RE('VE'));
  assert.equal(v.service_sid, SERVICE);
  assert.equal(v.account_sid, ACCOUNT);
  assert.equal(v.to, to);
  assert.equal(v.channel, 'sms');
  assert.equal(v.status, 'pending');
  assert.equal(v.valid, false);
  assert.match(v.date_created, TIME_RE);
  assert.match(v.date_updated, TIME_RE);
  assert.deepEqual(v.lookup, {});
  assert.equal(v.amount, null);
  assert.equal(v.payee, null);
  assert.equal(v.sna, null);
  assert.equal(v.url, `https://verify.twilio.com/v2/Services/${SERVICE}/Verifications/${v.sid}`);
  assert.equal(v.send_code_attempts.length, 1);
  assert.equal(v.send_code_attempts[0].channel, 'SMS');
  assert.match(v.send_code_attempts[0].attempt_sid, SID_RE('VL'));
  assert.match(v.send_code_attempts[0].time, TIME_RE);
  assert.match(res.headers.get('twilio-request-id'), SID_RE('RQ'));
});

test('sent_code_is_printed_on_stdout_with_masked_number', async () => {
  const to = nextNumber();
  await startVerification(emu, to);
  const { body } = await latest(emu, to);
  assert.match(body.code, /^\d{6}$/);
  const masked = `+${'*'.repeat(to.length - 5)}${to.slice(-4)}`;
  const expected = `verify-emulator: SMS to ${masked}: your verigate code is ${body.code}`;
  for (let i = 0; i < 50 && !emu.lines.includes(expected); i += 1) await sleep(20);
  assert.ok(emu.lines.includes(expected), `stdout lacks: ${expected}`);
  assert.ok(!emu.lines.some((line) => line.includes(to)), 'the whole number must never be printed');
});

test('start_repeat_reuses_code_and_sid', async () => {
  const to = nextNumber();
  const first = await startVerification(emu, to);
  const codeBefore = (await latest(emu, to)).body.code;
  const second = await startVerification(emu, to);
  assert.equal(second.status, 201);
  assert.equal(second.body.sid, first.body.sid);
  assert.equal(second.body.send_code_attempts.length, 2);
  assert.notEqual(second.body.send_code_attempts[1].attempt_sid, second.body.send_code_attempts[0].attempt_sid);
  const hook = (await latest(emu, to)).body;
  assert.equal(hook.code, codeBefore);
  assert.equal(hook.sends, 2);
});

test('sixth_send_is_60203', async () => {
  const to = nextNumber();
  for (let i = 1; i <= 5; i += 1) assert.equal((await startVerification(emu, to)).status, 201);
  const sixth = await startVerification(emu, to);
  assertTwilioError(sixth, 429, 60203, 'Max send attempts reached');
  assert.equal((await latest(emu, to)).body.sends, 5);
});

test('wrong_code_is_200_pending', async () => {
  const to = nextNumber();
  const started = await startVerification(emu, to);
  const { code } = (await latest(emu, to)).body;
  const wrong = code === '000000' ? '111111' : '000000';
  const res = await checkCode(emu, { To: to, Code: wrong });
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'pending');
  assert.equal(res.body.valid, false);
  assert.equal(res.body.sid, started.body.sid);
  assert.equal((await latest(emu, to)).body.checks, 1);
});

test('correct_code_is_200_approved_with_check_shape', async () => {
  const to = nextNumber();
  const started = await startVerification(emu, to);
  const { code } = (await latest(emu, to)).body;
  const res = await checkCode(emu, { To: to, Code: code });
  assert.equal(res.status, 200);
  const c = res.body;
  assert.equal(c.status, 'approved');
  assert.equal(c.valid, true);
  assert.equal(c.sid, started.body.sid);
  assert.equal(c.service_sid, SERVICE);
  assert.equal(c.account_sid, ACCOUNT);
  assert.equal(c.to, to);
  assert.equal(c.channel, 'sms');
  assert.equal(c.amount, null);
  assert.equal(c.payee, null);
  assert.deepEqual(c.sna_attempts_error_codes, []);
  assert.match(c.date_created, TIME_RE);
  for (const absent of ['url', 'lookup', 'send_code_attempts']) assert.ok(!(absent in c), `${absent} must be absent`);
  assert.equal((await latest(emu, to)).body.status, 'approved');
});

test('check_by_verification_sid_approves', async () => {
  const to = nextNumber();
  const started = await startVerification(emu, to);
  const { code } = (await latest(emu, to)).body;
  const res = await checkCode(emu, { VerificationSid: started.body.sid, Code: code });
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'approved');
  assert.equal(res.body.to, to);
});

test('sixth_check_is_60202', async () => {
  const to = nextNumber();
  await startVerification(emu, to);
  const { code } = (await latest(emu, to)).body;
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 1; i <= 5; i += 1) {
    const res = await checkCode(emu, { To: to, Code: wrong });
    assert.equal(res.status, 200, `check ${i}`);
    assert.equal(res.body.status, 'pending');
  }
  const sixth = await checkCode(emu, { To: to, Code: code });
  assertTwilioError(sixth, 429, 60202, 'Max check attempts reached');
  assert.equal((await latest(emu, to)).body.status, 'max_attempts_reached');
  assertTwilioError(await checkCode(emu, { To: to, Code: code }), 404, 20404);
});

test('approved_then_check_is_20404', async () => {
  const to = nextNumber();
  const started = await startVerification(emu, to);
  const { code } = (await latest(emu, to)).body;
  assert.equal((await checkCode(emu, { To: to, Code: code })).body.status, 'approved');
  const again = await checkCode(emu, { To: to, Code: code });
  assertTwilioError(again, 404, 20404, `The requested resource /Services/${SERVICE}/VerificationCheck was not found`);
  const fetched = await call(emu, 'GET', `${VERIFICATIONS}/${started.body.sid}`);
  assertTwilioError(fetched, 404, 20404);
});

test('fetch_returns_pending_verification', async () => {
  const to = nextNumber();
  const started = await startVerification(emu, to);
  const res = await call(emu, 'GET', `${VERIFICATIONS}/${started.body.sid}`);
  assert.equal(res.status, 200);
  assert.equal(res.body.sid, started.body.sid);
  assert.equal(res.body.status, 'pending');
  assert.equal(res.body.to, to);
  const unknown = await call(emu, 'GET', `${VERIFICATIONS}/VE${'0'.repeat(32)}`);
  assertTwilioError(unknown, 404, 20404, `The requested resource /Services/${SERVICE}/Verifications/VE${'0'.repeat(32)} was not found`);
});

test('cancel_ends_verification_and_next_start_is_new', async () => {
  const to = nextNumber();
  const started = await startVerification(emu, to);
  const { code } = (await latest(emu, to)).body;
  const canceled = await call(emu, 'POST', `${VERIFICATIONS}/${started.body.sid}`, { form: { Status: 'canceled' } });
  assert.equal(canceled.status, 200);
  assert.equal(canceled.body.status, 'canceled');
  assert.equal(canceled.body.valid, false);
  assertTwilioError(await checkCode(emu, { To: to, Code: code }), 404, 20404);
  const restarted = await startVerification(emu, to);
  assert.equal(restarted.status, 201);
  assert.notEqual(restarted.body.sid, started.body.sid);
  assert.equal(restarted.body.send_code_attempts.length, 1);
});

test('update_to_approved_is_200_valid', async () => {
  const to = nextNumber();
  const started = await startVerification(emu, to);
  const res = await call(emu, 'POST', `${VERIFICATIONS}/${started.body.sid}`, { form: { Status: 'approved' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.status, 'approved');
  assert.equal(res.body.valid, true);
  assertTwilioError(await call(emu, 'GET', `${VERIFICATIONS}/${started.body.sid}`), 404, 20404);
});

test('update_with_other_status_is_60200', async () => {
  const to = nextNumber();
  const started = await startVerification(emu, to);
  for (const status of ['pending', 'expired', '']) {
    const res = await call(emu, 'POST', `${VERIFICATIONS}/${started.body.sid}`, { form: { Status: status } });
    assertTwilioError(res, 400, 60200, 'Invalid parameter: Status');
  }
  assert.equal((await latest(emu, to)).body.status, 'pending');
});

test('bad_basic_auth_is_20003', async () => {
  const to = nextNumber();
  const wrongToken = 'Basic ' + Buffer.from(`${ACCOUNT}:not-the-token`).toString('base64');
  const wrongAccount = 'Basic ' + Buffer.from(`AC${'0'.repeat(32)}:${TOKEN}`).toString('base64');
  for (const auth of [wrongToken, wrongAccount, null]) {
    const res = await call(emu, 'POST', VERIFICATIONS, { form: { To: to, Channel: 'sms' }, auth });
    assertTwilioError(res, 401, 20003, 'Authenticate');
    assert.equal(res.body.detail, 'Your AccountSid or AuthToken was incorrect.');
  }
  assert.equal((await latest(emu, to)).status, 404, 'no verification may start without credentials');
});

test('invalid_to_is_60200', async () => {
  for (const to of ['15551234567', '+05551234567', '+1234567890123456', '+1555abc4567', '+', '']) {
    const res = await startVerification(emu, to);
    assertTwilioError(res, 400, 60200, 'Invalid parameter: To');
  }
  const missing = await call(emu, 'POST', VERIFICATIONS, { form: { Channel: 'sms' } });
  assertTwilioError(missing, 400, 60200, 'Invalid parameter: To');
});

test('invalid_channel_is_60200', async () => {
  for (const channel of ['fax', 'SMS', '']) {
    const res = await startVerification(emu, nextNumber(), channel);
    assertTwilioError(res, 400, 60200, 'Invalid parameter: Channel');
  }
});

test('invalid_code_or_missing_target_is_60200', async () => {
  const to = nextNumber();
  await startVerification(emu, to);
  for (const code of ['123', '12345678901', '']) {
    assertTwilioError(await checkCode(emu, { To: to, Code: code }), 400, 60200, 'Invalid parameter: Code');
  }
  assertTwilioError(await checkCode(emu, { Code: '123456' }), 400, 60200, 'Invalid parameter: To');
  assertTwilioError(await checkCode(emu, { VerificationSid: 'VE123', Code: '123456' }), 400, 60200,
    'Invalid parameter: VerificationSid');
  assert.equal((await latest(emu, to)).body.checks, 0, 'rejected checks must not count as attempts');
});

test('unknown_service_is_20404', async () => {
  for (const sid of [OTHER_SERVICE, 'VA123', 'not-a-sid']) {
    const res = await call(emu, 'POST', `/v2/Services/${sid}/Verifications`, { form: { To: nextNumber(), Channel: 'sms' } });
    assertTwilioError(res, 404, 20404, `The requested resource /Services/${sid}/Verifications was not found`);
  }
});

test('unknown_path_is_20404_and_wrong_method_is_405', async () => {
  assertTwilioError(await call(emu, 'GET', `/v2/Services/${SERVICE}/Nope`), 404, 20404);
  assertTwilioError(await call(emu, 'GET', '/nowhere', { auth: null }), 404, 20404);
  const wrongMethod = await call(emu, 'GET', VERIFICATIONS);
  assertTwilioError(wrongMethod, 405, 20004);
  assert.equal(wrongMethod.headers.get('allow'), 'POST');
  assertTwilioError(await call(emu, 'DELETE', `${VERIFICATIONS}/VE${'1'.repeat(32)}`), 405, 20004);
});

test('fetch_service_returns_configured_service', async () => {
  const res = await call(emu, 'GET', `/v2/Services/${SERVICE}`);
  assert.equal(res.status, 200);
  assert.equal(res.body.sid, SERVICE);
  assert.equal(res.body.account_sid, ACCOUNT);
  assert.equal(res.body.code_length, 6);
});

test('faults_hook_injects_error', async () => {
  const to = nextNumber();
  const armed = await call(emu, 'POST', '/__emulator/faults', {
    auth: null, json: { operation: 'start', status: 429, code: 20429, count: 2, retry_after: 3, message: 'Too many requests' },
  });
  assert.equal(armed.status, 204);
  for (let i = 0; i < 2; i += 1) {
    const res = await startVerification(emu, to);
    assertTwilioError(res, 429, 20429, 'Too many requests');
    assert.equal(res.headers.get('retry-after'), '3');
  }
  assert.equal((await latest(emu, to)).status, 404, 'a faulted start must not create a verification');
  assert.equal((await startVerification(emu, to)).status, 201, 'the fault must stop after count calls');
});

test('faults_hook_injects_check_error_and_keeps_verification', async () => {
  const to = nextNumber();
  await startVerification(emu, to);
  const { code } = (await latest(emu, to)).body;
  await call(emu, 'POST', '/__emulator/faults', { auth: null, json: { operation: 'check', status: 503, code: 20503 } });
  assertTwilioError(await checkCode(emu, { To: to, Code: code }), 503, 20503);
  assert.equal((await checkCode(emu, { To: to, Code: code })).body.status, 'approved');
});

test('faults_hook_delays_start', async () => {
  await call(emu, 'POST', '/__emulator/faults', { auth: null, json: { operation: 'start', delay_ms: 400, count: 1 } });
  const t0 = Date.now();
  const delayed = await startVerification(emu, nextNumber());
  const elapsed = Date.now() - t0;
  assert.equal(delayed.status, 201, 'a delay-only fault still answers normally');
  assert.ok(elapsed >= 400, `answered after ${elapsed} ms`);
});

test('faults_hook_rejects_bad_fault', async () => {
  for (const json of [{ operation: 'nope', status: 500, code: 20500 }, { operation: 'start' }, { operation: 'start', status: 200, code: 1 }]) {
    const res = await call(emu, 'POST', '/__emulator/faults', { auth: null, json });
    assert.equal(res.status, 400);
    assert.equal(typeof res.body.error, 'string');
  }
});

test('requests_hook_records_calls_without_secrets', async () => {
  assert.equal((await call(emu, 'POST', '/__emulator/reset', { auth: null })).status, 204);
  const to = nextNumber();
  await startVerification(emu, to);
  const { code } = (await latest(emu, to)).body;
  await checkCode(emu, { To: to, Code: code });
  await checkCode(emu, { To: to, Code: code });
  const res = await call(emu, 'GET', '/__emulator/requests', { auth: null });
  assert.equal(res.status, 200);
  // An exact match: no record may carry any other field, so neither the code nor a credential.
  assert.deepEqual(res.body.requests, [
    { method: 'POST', path: VERIFICATIONS, to, channel: 'sms', locale: null, app_hash: null, code_present: false, status: 201, twilio_code: null },
    { method: 'POST', path: CHECK, to, channel: null, locale: null, app_hash: null, code_present: true, status: 200, twilio_code: null },
    { method: 'POST', path: CHECK, to, channel: null, locale: null, app_hash: null, code_present: true, status: 404, twilio_code: 20404 },
  ]);
});

test('requests_hook_records_channel_locale_and_app_hash_and_the_sms_carries_the_hash', async () => {
  assert.equal((await call(emu, 'POST', '/__emulator/reset', { auth: null })).status, 204);
  const to = nextNumber();
  const res = await call(emu, 'POST', VERIFICATIONS, { form: { To: to, Channel: 'sms', Locale: 'pt-BR', AppHash: 'He42w354ol9' } });
  assert.equal(res.status, 201);
  const { code } = (await latest(emu, to)).body;
  const { requests } = (await call(emu, 'GET', '/__emulator/requests', { auth: null })).body;
  assert.deepEqual(requests, [
    { method: 'POST', path: VERIFICATIONS, to, channel: 'sms', locale: 'pt-BR', app_hash: 'He42w354ol9', code_present: false, status: 201, twilio_code: null },
  ]);
  // Twilio's SMS Retriever form: "<#>" first, the app hash last.
  const masked = `+${'*'.repeat(to.length - 5)}${to.slice(-4)}`;
  const expected = `verify-emulator: SMS to ${masked}: <#> your verigate code is ${code} He42w354ol9`;
  for (let i = 0; i < 50 && !emu.lines.includes(expected); i += 1) await sleep(20);
  assert.ok(emu.lines.includes(expected), `stdout lacks: ${expected}`);
});

test('another_channel_resends_the_same_verification_on_it_and_the_log_records_each', async () => {
  assert.equal((await call(emu, 'POST', '/__emulator/reset', { auth: null })).status, 204);
  const to = nextNumber();
  const first = await startVerification(emu, to, 'sms');
  const second = await startVerification(emu, to, 'call');
  const third = await startVerification(emu, to, 'whatsapp');
  assert.equal(second.status, 201);
  assert.equal(third.status, 201);
  assert.equal(third.body.sid, first.body.sid, 'the same verification');
  assert.equal(third.body.channel, 'whatsapp');
  assert.deepEqual(third.body.send_code_attempts.map((a) => a.channel), ['SMS', 'CALL', 'whatsapp']);
  const { requests } = (await call(emu, 'GET', '/__emulator/requests', { auth: null })).body;
  assert.deepEqual(requests.map((r) => r.channel), ['sms', 'call', 'whatsapp']);
  const { code } = (await latest(emu, to)).body;
  const masked = `+${'*'.repeat(to.length - 5)}${to.slice(-4)}`;
  for (const label of ['Call', 'WhatsApp']) {
    const expected = `verify-emulator: ${label} to ${masked}: your verigate code is ${code}`;
    for (let i = 0; i < 50 && !emu.lines.includes(expected); i += 1) await sleep(20);
    assert.ok(emu.lines.includes(expected), `stdout lacks: ${expected}`);
  }
});

test('reset_hook_forgets_verifications', async () => {
  const to = nextNumber();
  await startVerification(emu, to);
  assert.equal((await call(emu, 'POST', '/__emulator/reset', { auth: null })).status, 204);
  assert.equal((await latest(emu, to)).status, 404);
  assert.deepEqual((await call(emu, 'GET', '/__emulator/requests', { auth: null })).body.requests, []);
});

test('expiry_deletes_verification', async () => {
  // Configured through the environment only, which also proves the env variables work.
  const short = await startEmulator({
    portViaEnv: true,
    env: {
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_VERIFY_SERVICE_SID: SERVICE,
      VERIFY_EMULATOR_CODE_TTL: '1',
    },
  });
  try {
    const to = nextNumber();
    assert.equal((await startVerification(short, to)).status, 201);
    const { code, status } = (await latest(short, to)).body;
    assert.equal(status, 'pending');
    await sleep(1300);
    assertTwilioError(await checkCode(short, { To: to, Code: code }), 404, 20404);
    assert.equal((await latest(short, to)).body.status, 'expired');
  } finally {
    await short.stop();
  }
});

test('sigterm_stops_cleanly', async () => {
  const extra = await startEmulator();
  const { code, signal } = await extra.stop();
  assert.equal(signal, null);
  assert.equal(code, 0);
});

test('bad_arguments_exit_2', () => {
  assert.ok(BIN, 'EMULATOR_BIN must name the verify-emulator binary');
  for (const args of [[], ['--port', 'abc'], ['--port', '1', '--account-sid', 'AC1'], ['--port', '1', '--code-ttl', '0'], ['--port', '1', '--bogus']]) {
    const run = spawnSync(BIN, args, { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 5000 });
    assert.equal(run.status, 2, `args ${JSON.stringify(args)}`);
    assert.match(run.stderr, /verify-emulator: /);
  }
});
