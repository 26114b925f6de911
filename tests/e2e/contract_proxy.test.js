'use strict';
// The contract-checking Prism proxy that scripts/test puts in front of the shared verigate
// (VG_URL, with verigate itself at VG_DIRECT_URL) must be transparent, or the suites behind it
// would test Prism: the same request, sent through it and straight to verigate, gets the same
// status, headers and body; request headers (mixed case, repeated, Authorization, Origin,
// X-Forwarded-For, X-Request-Id) reach verigate as sent; Prism adds no CORS of its own; and a
// keep-alive connection through it carries one answer per request.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { env } = require('./lib/env');
const { client, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { newUser, signup, signedIn, freshIp } = require('./lib/flow');
const { startVerigate, startPrism, cleanupSpawned } = require('./lib/procs');

// What may differ between two answers to one request: the time, the fresh request id, and the
// hop-by-hop framing of each connection (RFC 9110 §7.6.1).
const PER_HOP = new Set(['date', 'x-request-id', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

// One request through node:http with the header lines exactly as given ([name, value, ...], so a
// name may repeat and keep its case); resolves to { status, headers: [[name, value]], text }.
function send(base, method, path, rawHeaders = [], body, agent) {
  return new Promise((resolve, reject) => {
    const u = new URL(base + path);
    // Node adds no Host to headers given as an array (and a server then answers 400).
    const req = http.request({ host: u.hostname, port: u.port, method, path: u.pathname, headers: ['Host', u.host, ...rawHeaders], agent });
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.on('response', (r) => {
      const parts = [];
      r.on('data', (d) => parts.push(d));
      r.on('end', () => {
        const headers = [];
        for (let i = 0; i < r.rawHeaders.length; i += 2) headers.push([r.rawHeaders[i].toLowerCase(), r.rawHeaders[i + 1]]);
        resolve({ status: r.statusCode, headers, text: Buffer.concat(parts).toString('utf8'), socket: req.socket });
      });
    });
    req.end(body);
  });
}

const comparable = (res) => res.headers.filter(([k]) => !PER_HOP.has(k)).sort((a, b) => (a[0] + a[1]).localeCompare(b[0] + b[1]));
const proxied = () => process.env.VG_DIRECT_URL && env.VG_DIRECT_URL !== env.VG_URL;

describe('contract proxy is transparent', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('same_request_same_answer_through_prism_and_direct', async (t) => {
    if (!proxied()) return t.skip('VG_URL is verigate itself (no proxy in front)');
    const me = await signedIn(client(env.VG_URL), env.EMULATOR_URL);
    const json = ['Content-Type', 'application/json'];
    const big = JSON.stringify({ email: 'a@b.example', password: 'x'.repeat(17000) });
    const cases = [
      ['GET', '/healthz', []],
      ['GET', '/readyz', []],
      ['GET', '/.well-known/jwks.json', []],
      ['GET', '/dashboard', []],
      ['GET', '/dashboard', ['Authorization', 'Bearer not-a-token']],
      ['GET', '/dashboard', ['Authorization', 'Basic YTpi']],
      ['GET', '/dashboard', ['aUtHoRiZaTiOn', `Bearer ${me.access_token}`]],
      ['POST', '/login', json, JSON.stringify({ email: 'nobody@e2e.example', password: 'whatever-pw' })],
      ['POST', '/login', ['Content-Type', 'text/plain'], '{}'],
      ['POST', '/login', json, big],
      ['POST', '/signup', json, JSON.stringify({ name: 'Zoë ✓', username: 'x' })],
      ['POST', '/verify', ['Authorization', `Bearer ${me.access_token}`, ...json], '{"code":"123456"}'],
      ['GET', '/no-such-path', []],
      ['DELETE', '/verify', []],
      ['OPTIONS', '/login', ['Origin', 'https://app.e2e.example', 'Access-Control-Request-Method', 'POST']],
      ['GET', '/healthz', ['Origin', 'https://app.e2e.example']],
    ];
    for (const [method, path, headers, body] of cases) {
      const via = await send(env.VG_URL, method, path, headers, body);
      const direct = await send(env.VG_DIRECT_URL, method, path, headers, body);
      const what = `${method} ${path} ${JSON.stringify(headers).slice(0, 80)}`;
      assert.equal(via.status, direct.status, `${what}: status`);
      assert.deepEqual(comparable(via), comparable(direct), `${what}: headers`);
      assert.equal(via.text, direct.text, `${what}: body`);
      assert.ok(!via.headers.some(([k]) => k.startsWith('access-control-') || k === 'sl-violations'), `${what}: Prism added ${JSON.stringify(via.headers)}`);
    }
  });

  test('request_id_and_keep_alive_pass_through_prism', async (t) => {
    if (!proxied()) return t.skip('VG_URL is verigate itself (no proxy in front)');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set();
    for (let i = 0; i < 5; i++) {
      const id = `Keep-Alive_${i}-AbC`;
      const res = await send(env.VG_URL, 'GET', '/healthz', ['X-Request-Id', id], undefined, agent);
      assert.equal(res.status, 200);
      assert.deepEqual(res.headers.filter(([k]) => k === 'x-request-id'), [['x-request-id', id]], 'the request id comes back as sent, once');
      sockets.add(res.socket);
    }
    agent.destroy();
    assert.equal(sockets.size, 1, 'five requests over one kept-alive connection');
  });

  // On an instance that trusts 127.0.0.1 as a proxy, the client address is the last
  // X-Forwarded-For entry: repeated lines, in their order and spelling, must reach verigate as
  // one list through Prism just as they do directly.
  test('repeated_x_forwarded_for_lines_reach_verigate_through_prism', async () => {
    const vg = await startVerigate({ env: { TRUSTED_PROXIES: '127.0.0.1/32' } });
    const prism = await startPrism(vg.url);
    for (const base of [prism.url, vg.url]) {
      const real = freshIp();
      const headers = ['Content-Type', 'application/json', 'X-Forwarded-For', freshIp(), 'x-forwarded-for', real];
      const res = await send(base, 'POST', '/signup', headers, JSON.stringify(newUser()));
      assert.equal(res.status, 201, res.text);
      const id = JSON.parse(res.text).id;
      const line = vg.output().split('\n').find((l) => l.includes('audit event=signup ') && l.includes(`user=${id}`));
      assert.ok(line && line.includes(` ip=${real}`), `${base}: expected ip=${real} in ${line}`);
    }
    expectStatus(await client(prism.url).get('/healthz'), 200);
    await signup(client(prism.url));
  });
});
