'use strict';
// Who the client is, behind a proxy and over IPv6: X-Forwarded-For lines are one list whatever
// their spelling (RFC 9110 §5.3), so a client cannot choose its address by writing the header in
// another case than the proxy's; and an IPv6 client is counted by its /64 (IPV6_LIMIT_PREFIX),
// since one host holds a whole /64 and could rotate through it to empty every per-IP limit.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const { closeMongo } = require('./lib/stores');
const { newUser, freshIp } = require('./lib/flow');
const { startVerigate, cleanupSpawned, sleep } = require('./lib/procs');

// One request written byte for byte (header lines in the order and spelling given), on a
// connection of its own; resolves to { status, body }.
function rawRequest(host, port, method, path, headerLines, body = '') {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const parts = [];
    const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host.includes(':') ? `[${host}]` : host}`, 'Connection: close',
      ...headerLines, `Content-Length: ${Buffer.byteLength(body)}`];
    sock.setTimeout(20000, () => sock.destroy(new Error('timeout')));
    sock.on('connect', () => sock.write(`${lines.join('\r\n')}\r\n\r\n${body}`));
    sock.on('data', (d) => parts.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const status = Number((text.match(/^HTTP\/1\.1 (\d{3})/) || [])[1]);
      const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
      let json;
      try { json = JSON.parse(bodyText); } catch (e) { json = undefined; }
      resolve({ status, body: json, text });
    });
  });
}

const signupOf = (user) => JSON.stringify(user);
const JSON_CT = 'Content-Type: application/json';

// The client IP verigate's audit line gave the signup of email.
function auditedIp(vg, email, userId) {
  const line = vg.output().split('\n').find((l) => l.includes('audit event=signup ') && l.includes(`user=${userId}`));
  assert.ok(line, `no signup audit line for ${email}:\n${vg.output().slice(-1500)}`);
  return line.match(/ ip=(\S+)/)[1];
}

// A /64 of the documentation range no other test (nor an earlier run on the same Redis) used.
const fresh64 = () => `2001:db8:${crypto.randomBytes(2).toString('hex')}:${crypto.randomBytes(2).toString('hex')}`;

describe('client address behind proxies and over IPv6', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('x_forwarded_for_lines_spelled_differently_are_one_list', async () => {
    const vg = await startVerigate({ env: { TRUSTED_PROXIES: '127.0.0.1/32', SIGNUPS_PER_IP_HOUR: 1 } });
    const port = Number(new URL(vg.url).port);
    const forged = freshIp();
    const real = freshIp();
    // The client writes its own line in lower case; the proxy appends the address it saw.
    const user = newUser();
    const first = await rawRequest('127.0.0.1', port, 'POST', '/signup',
      [JSON_CT, `x-forwarded-for: ${forged}`, `X-Forwarded-For: ${real}`], signupOf(user));
    assert.equal(first.status, 201, first.text);
    await sleep(100);
    assert.equal(auditedIp(vg, user.email, first.body.id), real);
    // The limit is the real address's: with another forged line it is still spent.
    const second = await rawRequest('127.0.0.1', port, 'POST', '/signup',
      [JSON_CT, `X-FORWARDED-FOR: ${freshIp()}`, `x-Forwarded-for: ${real}`], signupOf(newUser()));
    assert.equal(second.status, 429, second.text);
    assert.equal(second.body.type, '/problems/rate-limited');
  });

  test('ipv6_clients_are_limited_by_their_64', async () => {
    const vg = await startVerigate({ env: { BIND_ADDRESS: '::', TRUSTED_PROXIES: '::1/128', SIGNUPS_PER_IP_HOUR: 1 } });
    const port = Number(new URL(vg.url).port);
    const net64 = fresh64();
    const signupFrom = (ip) => rawRequest('::1', port, 'POST', '/signup', [JSON_CT, `X-Forwarded-For: ${ip}`], signupOf(newUser()));
    const one = await signupFrom(`${net64}::1`);
    assert.equal(one.status, 201, one.text);
    const sameNet = await signupFrom(`${net64}:aaaa:bbbb:cccc:dddd`);
    assert.equal(sameNet.status, 429, `another address of the same /64: ${sameNet.text}`);
    const otherNet = await signupFrom(`${fresh64()}::1`);
    assert.equal(otherNet.status, 201, `another /64: ${otherNet.text}`);
    await sleep(100);
    // The audit line names the whole address, not the network the limit counts.
    assert.equal(auditedIp(vg, '', one.body.id), `${net64}::1`);
  });

  test('ipv4_clients_of_a_dual_stack_socket_are_ipv4', async () => {
    const vg = await startVerigate({ env: { BIND_ADDRESS: '::' } });
    const port = Number(new URL(vg.url).port);
    const v4 = await rawRequest('127.0.0.1', port, 'POST', '/signup', [JSON_CT], signupOf(newUser()));
    assert.equal(v4.status, 201, v4.text);
    const v6 = await rawRequest('::1', port, 'POST', '/signup', [JSON_CT], signupOf(newUser()));
    assert.equal(v6.status, 201, v6.text);
    await sleep(100);
    assert.equal(auditedIp(vg, '', v4.body.id), '127.0.0.1');
    assert.equal(auditedIp(vg, '', v6.body.id), '::1');
  });
});
