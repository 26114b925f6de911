'use strict';
// GET /metrics (issue 13): a known flow moves exactly its series, the text passes
// `promtool check metrics`, METRICS_PORT moves the endpoint off the main port, and nothing a
// client sends adds a series. Each test has an instance of its own, so every count is exact.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { env } = require('./lib/env');
const { client, expectProblem, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { signup, login, codeFor, wrongCode, verify, emulatorFault } = require('./lib/flow');
const { startVerigate, startEmulator, startRedis, freePort, cleanupSpawned } = require('./lib/procs');

// Fails the test when promtool is missing or finds anything to say about text.
function promtoolCheck(text) {
  const bin = process.env.PROMTOOL_BIN || 'promtool';
  const r = spawnSync(bin, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30000 });
  assert.ifError(r.error && new Error(`${bin}: ${r.error.message} (Debian's prometheus package; scripts/test installs it)`));
  const said = `${r.stdout}${r.stderr}`.trim();
  assert.equal(r.status, 0, `promtool check metrics exited ${r.status}: ${said}`);
  assert.equal(said, '', 'promtool check metrics found problems');
}

// One scrape: the samples by series ("name{labels}"), checked by promtool.
async function scrape(base) {
  const res = await client(base).get('/metrics');
  expectStatus(res, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  promtoolCheck(res.text);
  const samples = new Map();
  for (const line of res.text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    const series = line.slice(0, at);
    assert.ok(!samples.has(series), `series written twice: ${series}`);
    samples.set(series, Number(line.slice(at + 1)));
  }
  return { samples, text: res.text };
}

// What moved between two scrapes: series -> after - before (a series new in after counts from 0).
function deltas(before, after) {
  const moved = new Map();
  for (const [series, value] of after.samples) {
    const d = value - (before.samples.get(series) || 0);
    if (d !== 0) moved.set(series, d);
  }
  return moved;
}

// The series whose value changes with time or with the machine, not with requests.
const volatile = (s) => s.startsWith('process_') || /_(bucket|sum)\{/.test(s);

describe('metrics', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('a_known_flow_moves_exactly_its_series_and_promtool_accepts_the_text', async () => {
    const vg = await startVerigate();
    const api = client(vg.url);
    const before = await scrape(vg.url);

    const user = await signup(api);
    expectProblem(await api.post('/login', { email: user.email, password: 'not the password' }), 401, 'invalid-credentials');
    const lg = await login(api, user);
    const code = await codeFor(env.EMULATOR_URL, user.phone);
    expectProblem(await api.post('/verify', { code: wrongCode(code) }, { token: lg.mfa_token }), 401, 'wrong-code');
    const v = await verify(api, lg.mfa_token, code);
    expectStatus(await api.get('/dashboard', { token: v.access_token }), 200);
    const stray = `/no-such-path-${crypto.randomBytes(6).toString('hex')}`;
    expectProblem(await api.get(stray), 404, 'not-found');

    const after = await scrape(vg.url);
    const r = (route, code) => `verigate_http_requests_total{route="${route}",code="${code}"}`;
    const expected = new Map([
      [r('/signup', '2xx'), 1], [r('/login', '4xx'), 1], [r('/login', '2xx'), 1],
      [r('/verify', '4xx'), 1], [r('/verify', '2xx'), 1], [r('/dashboard', '2xx'), 1],
      [r('other', '4xx'), 1],
      [r('/metrics', '2xx'), 1], // the first scrape, counted once it was answered
      ['verigate_signups_total{outcome="created"}', 1],
      ['verigate_logins_total{outcome="bad_credentials"}', 1],
      ['verigate_logins_total{outcome="code_sent"}', 1],
      ['verigate_verifications_total{outcome="wrong_code"}', 1],
      ['verigate_verifications_total{outcome="approved"}', 1],
      ['verigate_otp_sends_total{channel="sms",outcome="sent"}', 1],
      ['verigate_twilio_requests_total{endpoint="verification_create",outcome="ok"}', 1],
      ['verigate_twilio_requests_total{endpoint="verification_check",outcome="ok"}', 2],
    ]);
    // Each request and each Twilio call is one observation of its histogram.
    const h = (name, label, value) => `${name}_count{${label}="${value}"}`;
    for (const [series, n] of [...expected]) {
      const m = series.match(/^verigate_http_requests_total\{route="([^"]*)"/);
      if (m) expected.set(h('verigate_http_request_duration_seconds', 'route', m[1]), (expected.get(h('verigate_http_request_duration_seconds', 'route', m[1])) || 0) + n);
    }
    expected.set(h('verigate_twilio_request_duration_seconds', 'endpoint', 'verification_create'), 1);
    expected.set(h('verigate_twilio_request_duration_seconds', 'endpoint', 'verification_check'), 2);

    const moved = deltas(before, after);
    for (const [series, d] of moved) if (volatile(series)) moved.delete(series);
    assert.deepEqual(Object.fromEntries([...moved].sort()), Object.fromEntries([...expected].sort()),
      'exactly these series moved, by exactly this much');
    // The durations were measured: each sum grew, and the +Inf bucket is the count.
    for (const [name, label, value] of [['verigate_http_request_duration_seconds', 'route', '/login'],
      ['verigate_twilio_request_duration_seconds', 'endpoint', 'verification_create'],
      ['verigate_twilio_request_duration_seconds', 'endpoint', 'verification_check']]) {
      const sum = `${name}_sum{${label}="${value}"}`;
      assert.ok(after.samples.get(sum) > before.samples.get(sum), `${sum} grew`);
      assert.equal(after.samples.get(`${name}_bucket{${label}="${value}",le="+Inf"}`), after.samples.get(`${name}_count{${label}="${value}"}`));
    }
    assert.deepEqual([...after.samples.keys()].sort(), [...before.samples.keys()].sort(), 'the flow added no series');
    const info = [...after.samples].filter(([s]) => s.startsWith('verigate_build_info{'));
    assert.equal(info.length, 1, 'one build_info series');
    assert.match(info[0][0], /^verigate_build_info\{version="\d+\.\d+\.\d+",commit="([0-9a-f]{12}|unknown)"\}$/);
    assert.equal(info[0][1], 1);
    assert.ok(!after.text.includes(stray.slice(1)), 'the stray path is no label');
  });

  test('refusals_before_the_handler_count_under_their_route', async () => {
    const vg = await startVerigate();
    const api = client(vg.url);
    const before = await scrape(vg.url);
    expectProblem(await api.request('DELETE', '/login'), 405, 'method-not-allowed');
    const big = await api.raw('POST', '/login', { headers: { 'Content-Type': 'application/json' }, chunks: [`{"email":"${'a'.repeat(17000)}"}`] });
    expectProblem(big, 413, 'payload-too-large');
    const after = await scrape(vg.url);
    const moved = deltas(before, after);
    assert.equal(moved.get('verigate_http_requests_total{route="/login",code="4xx"}'), 2);
    assert.equal(moved.get('verigate_http_requests_total{route="other",code="4xx"}'), undefined);
    assert.equal(moved.get('verigate_logins_total{outcome="validation_error"}'), undefined, 'no login was attempted');
  });

  test('a_flood_of_random_paths_and_methods_adds_no_series', async () => {
    const vg = await startVerigate();
    const api = client(vg.url);
    const before = await scrape(vg.url);
    const tag = crypto.randomBytes(4).toString('hex');
    const paths = [];
    for (let i = 0; i < 60; i++) paths.push(`/${tag}-${i}`);
    for (let i = 0; i < 20; i++) paths.push(`/${tag}/${crypto.randomBytes(8).toString('hex')}/x%22y%5C%0A${i}`);
    for (let i = 0; i < 10; i++) paths.push(`/${tag}-long-${i}-${'z'.repeat(1500)}`);
    for (let i = 0; i < 10; i++) paths.push(`/login/${tag}-${i}`);
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
    for (let i = 0; i < paths.length; i += 20) {
      const batch = paths.slice(i, i + 20).map((p, j) => api.request(methods[(i + j) % methods.length], p));
      for (const res of await Promise.all(batch)) expectProblem(res, 404, 'not-found');
    }
    const after = await scrape(vg.url);
    assert.deepEqual([...after.samples.keys()].sort(), [...before.samples.keys()].sort(), 'no series added');
    assert.equal(deltas(before, after).get('verigate_http_requests_total{route="other",code="4xx"}'), paths.length);
    assert.ok(!after.text.includes(tag), 'no path became a label');
  });

  test('failures_count_by_provider_outcome_limit_rule_and_backend', async () => {
    const [redis, emu] = await Promise.all([startRedis(), startEmulator()]);
    const vg = await startVerigate({
      env: { REDIS_URL: redis.url, TWILIO_VERIFY_BASE_URL: emu.url, LOGIN_FAILS_PER_ACCOUNT: 1, LOGIN_LOCK_SECONDS: 60 },
    });
    const api = client(vg.url);
    const user = await signup(api);
    const before = await scrape(vg.url);
    const right = { email: user.email, password: user.password };
    await emulatorFault(emu.url, { operation: 'start', count: 1, status: 503, code: 20500 });
    expectProblem(await api.post('/login', right), 502, 'sms-provider-unavailable');
    await emulatorFault(emu.url, { operation: 'start', count: 1, status: 429, code: 60203 });
    expectProblem(await api.post('/login', right), 429, 'sms-rate-limited');
    expectProblem(await api.post('/login', { email: user.email, password: 'not the password' }), 401, 'invalid-credentials');
    expectProblem(await api.post('/login', right), 429, 'rate-limited'); // the account is locked
    await redis.stop();
    expectProblem(await api.get('/readyz'), 503, 'not-ready');

    const moved = deltas(before, await scrape(vg.url));
    for (const series of [...moved.keys()]) if (volatile(series) || series.startsWith('verigate_http_')) moved.delete(series);
    const tw = (outcome) => `verigate_twilio_requests_total{endpoint="verification_create",outcome="${outcome}"}`;
    assert.deepEqual(Object.fromEntries([...moved].sort()), Object.fromEntries([
      [tw('server_error'), 1], [tw('rate_limited'), 1],
      ['verigate_twilio_request_duration_seconds_count{endpoint="verification_create"}', 2],
      ['verigate_otp_sends_total{channel="sms",outcome="upstream_error"}', 1],
      ['verigate_otp_sends_total{channel="sms",outcome="sms_rate_limited"}', 1],
      ['verigate_logins_total{outcome="upstream_error"}', 1],
      ['verigate_logins_total{outcome="sms_rate_limited"}', 1],
      ['verigate_logins_total{outcome="bad_credentials"}', 1],
      ['verigate_logins_total{outcome="rate_limited"}', 1],
      ['verigate_rate_limited_total{rule="login_fails_account"}', 1],
      ['verigate_backend_errors_total{backend="redis"}', 1], // /readyz's PING
    ].sort()));
  });

  test('metrics_port_serves_metrics_there_alone_and_the_main_port_answers_404', async () => {
    const metricsPort = await freePort();
    const vg = await startVerigate({ env: { METRICS_PORT: metricsPort } });
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    expectProblem(await client(vg.url).get('/metrics'), 404, 'not-found');
    const { samples } = await scrape(metricsUrl);
    // The main port's /metrics is a path like any unknown one; the scrape itself is not counted.
    assert.equal(samples.get('verigate_http_requests_total{route="other",code="4xx"}'), 1);
    assert.ok(![...samples.keys()].some((s) => s.includes('route="/metrics"')), 'no /metrics route on the main port');
    assert.equal(samples.get('verigate_http_requests_total{route="/healthz",code="2xx"}') > 0, true);
    const other = await client(metricsUrl).get('/healthz', { spec: false });
    expectProblem(other, 404, 'not-found');
    const again = await scrape(metricsUrl);
    assert.equal(again.samples.get('verigate_http_requests_total{route="other",code="4xx"}'), 1, 'scrapes and the metrics port\'s 404 are not API requests');
  });

  test('a_metrics_port_that_cannot_be_served_stops_the_start_naming_the_variable', async () => {
    const port = await freePort();
    const cases = [
      [{ METRICS_PORT: await freePort(), METRICS_BIND_ADDRESS: 'not-an-address' }, 'METRICS_BIND_ADDRESS'],
      [{ PORT: port, METRICS_PORT: port }, 'METRICS_PORT'],
    ];
    for (const [vars, name] of cases) {
      const h = await startVerigate({ wait: false, env: vars });
      let timer;
      const exited = await Promise.race([h.exit.then(() => true), new Promise((r) => { timer = setTimeout(r, 30000, false); })]);
      clearTimeout(timer);
      assert.ok(exited, `${JSON.stringify(vars)}: still running after 30 s`);
      assert.notEqual(h.code, 0);
      assert.match(h.output(), new RegExp(`\\b${name}\\b`), h.output());
    }
  });

  // docs/alerts.yml is written against names and label values: each one it matches exactly must
  // be one verigate writes (a fresh instance writes every series at 0, and every outcome its flow
  // can have), or the alert can never fire.
  test('every_series_and_label_value_the_alert_rules_match_is_one_verigate_writes', async () => {
    const vg = await startVerigate();
    const { samples } = await scrape(vg.url);
    const series = [...samples.keys()];
    const rules = fs.readFileSync(path.join(env.ROOT, 'docs', 'alerts.yml'), 'utf8');
    const checked = [];
    for (const m of rules.matchAll(/\b(verigate_[a-z_]+)(?:\{([^}]*)\})?/g)) {
      const [, name, matchers = ''] = m;
      const mine = series.filter((x) => x === name || x.startsWith(`${name}{`));
      assert.ok(mine.length > 0, `docs/alerts.yml watches ${name}, which /metrics does not write`);
      for (const [, label, op, value] of matchers.matchAll(/(\w+)\s*(=|!=)\s*"([^"]*)"/g)) {
        if (['job', 'instance', 'le'].includes(label)) continue;
        assert.ok(mine.some((x) => x.includes(`${label}="${value}"`)),
          `docs/alerts.yml matches ${name}{${label}${op}"${value}"}, a value /metrics never writes`);
        checked.push(`${name}{${label}}`);
      }
    }
    assert.ok(checked.length >= 4, `the label values of the rules were checked: ${checked.join(', ')}`);
  });
});
