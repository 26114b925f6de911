'use strict';
// LOG_FORMAT=json: one JSON object per line, access and audit lines with their fields as
// members, W3C traceparent logged when valid, and no client text that can break or forge a line.
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const { client, expectStatus } = require('./lib/http');
const { closeMongo } = require('./lib/stores');
const { signup, login } = require('./lib/flow');
const { startVerigate, cleanupSpawned, sleep, logLeaks } = require('./lib/procs');

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// Every line the instance wrote, parsed; a line that does not parse fails the test.
function parsedLines(vg) {
  return vg.output().split('\n').filter((l) => l !== '').map((l) => {
    let o;
    assert.doesNotThrow(() => { o = JSON.parse(l); }, `not a JSON line: ${l}`);
    assert.equal(typeof o, 'object', l);
    assert.match(o.time, TIME, l);
    assert.ok(['error', 'warning', 'info', 'debug'].includes(o.level), l);
    assert.equal(typeof o.msg, 'string', l);
    return o;
  });
}

// The access line of request id (the last line of that request), once it is written.
async function accessLine(vg, id) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = parsedLines(vg).find((o) => o.req === id && typeof o.status === 'number');
    if (line || Date.now() > deadline) return line;
    await sleep(20);
  }
}

// A raw HTTP/1.1 request with target (a Buffer) as sent; resolves with the status line.
function rawGet(port, target, headers) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.write(Buffer.concat([Buffer.from('GET '), target,
        Buffer.from(` HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}\r\n`)]));
    });
    let data = '';
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.on('data', (d) => { data += d; });
    s.on('end', () => resolve(data.split('\r\n')[0]));
    s.on('error', reject);
  });
}

describe('json logs', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('json_lines_carry_access_and_audit_fields_and_cannot_be_forged', async () => {
    const vg = await startVerigate({ env: { LOG_FORMAT: 'json', LOG_LEVEL: 'debug' } });
    const api = client(vg.url);
    const user = await signup(api);
    const id = `login-${crypto.randomBytes(4).toString('hex')}`;
    const res = await api.post('/login', { email: user.email, password: user.password }, { headers: { 'X-Request-Id': id } });
    expectStatus(res, 200);

    const access = await accessLine(vg, id);
    assert.ok(access, `no access line for ${id}`);
    assert.equal(access.level, 'info');
    assert.equal(access.method, 'POST');
    assert.equal(access.path, '/login');
    assert.equal(access.status, 200);
    assert.equal(typeof access.duration_ms, 'number');
    assert.equal(access.ip, '127.0.0.1');
    assert.equal(access.trace_id, undefined, 'no traceparent, no trace_id');
    const audit = parsedLines(vg).filter((o) => o.req === id && o.msg === 'audit');
    assert.deepEqual(audit.map((o) => o.event), ['login_ok', 'code_sent']);
    for (const a of audit) {
      assert.equal(a.outcome, 'ok');
      assert.equal(a.user, user.id);
      assert.equal(a.to, res.body.to);
      assert.equal(a.ip, '127.0.0.1');
    }

    // Paths that carry control characters, quotes, a backslash and a forged JSON line (raw in
    // the request line: verigate logs the path as received), one of them also bytes that are
    // not UTF-8: each stays inside the path member of its one line.
    const forged = '{"time":"2026-01-01T00:00:00.000Z","level":"error","msg":"forged"}';
    const utf8 = `/x${forged}\x01\x1b[31m"\\\x7f`;
    const id1 = `forge-${crypto.randomBytes(4).toString('hex')}`;
    await rawGet(vg.port, Buffer.from(utf8, 'latin1'), `X-Request-Id: ${id1}\r\n`);
    const line1 = await accessLine(vg, id1);
    assert.ok(line1, `no access line for ${id1}`);
    assert.equal(line1.status, 404);
    assert.equal(line1.path, utf8, 'the path as received, JSON-escaped');
    const id2 = `forge-${crypto.randomBytes(4).toString('hex')}`;
    await rawGet(vg.port, Buffer.concat([Buffer.from(`/y${forged}"\x01`, 'latin1'), Buffer.from([0xff, 0xfe])]), `X-Request-Id: ${id2}\r\n`);
    const line2 = await accessLine(vg, id2);
    assert.ok(line2, `no access line for ${id2}`);
    assert.equal(line2.path, `/y${forged}"\\x01\\xff\\xfe`, 'bytes that are not UTF-8: the path in \\xNN form');
    const all = parsedLines(vg);
    assert.equal(all.filter((o) => o.msg === 'forged').length, 0, 'no forged line');
    assert.deepEqual(vg.output().split('\n').filter((l) => l.includes('forged')).map((l) => JSON.parse(l).req),
      [id1, id2], 'each path on its one access line only');
    assert.deepEqual(vg.output().split('\n').filter((l) => !/^[\x20-\x7e]*$/.test(l)), [], 'every line is printable ASCII');
    assert.deepEqual(logLeaks(vg.output()), []);
  });

  test('a_valid_traceparent_is_logged_and_a_malformed_one_is_not', async () => {
    const vg = await startVerigate({ env: { LOG_FORMAT: 'json' } });
    const api = client(vg.url);
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const span = '00f067aa0ba902b7';
    const cases = [
      [`00-${trace}-${span}-01`, true],
      [`00-${trace}-${span}-00`, true],
      [`00-${trace.toUpperCase()}-${span}-01`, false],
      [`00-${'0'.repeat(32)}-${span}-01`, false],
      [`00-${trace}-${'0'.repeat(16)}-01`, false],
      [`ff-${trace}-${span}-01`, false],
      [`00-${trace}-${span}-01-extra`, false],
      [`00-${trace}-${span}`, false],
      [`00_${trace}_${span}_01`, false],
      [`00-${trace.slice(1)}g-${span}-01`, false],
    ];
    for (const [value, valid] of cases) {
      const id = `tp-${crypto.randomBytes(4).toString('hex')}`;
      expectStatus(await api.get('/healthz', { headers: { traceparent: value, 'X-Request-Id': id } }), 200);
      const line = await accessLine(vg, id);
      assert.ok(line, `no access line for ${value}`);
      if (valid) {
        assert.equal(line.trace_id, trace, value);
        assert.equal(line.span_id, span, value);
      } else {
        assert.equal(line.trace_id, undefined, `${value} is not a traceparent: ${JSON.stringify(line)}`);
        assert.equal(line.span_id, undefined, value);
      }
    }
  });

  test('text_access_lines_name_a_valid_trace', async () => {
    const vg = await startVerigate({ env: { LOG_FORMAT: 'text' } });
    const id = `tp-${crypto.randomBytes(4).toString('hex')}`;
    const trace = crypto.randomBytes(16).toString('hex');
    const span = crypto.randomBytes(8).toString('hex');
    expectStatus(await client(vg.url).get('/healthz', { headers: { traceparent: `00-${trace}-${span}-01`, 'X-Request-Id': id } }), 200);
    const want = `INFO: req=${id} GET /healthz 200 `;
    const deadline = Date.now() + 5000;
    while (!vg.output().includes(want) && Date.now() < deadline) await sleep(20);
    const line = vg.output().split('\n').find((l) => l.includes(want));
    assert.ok(line, vg.output().slice(-1000));
    assert.match(line, new RegExp(` GET /healthz 200 [0-9.]+ms trace_id=${trace} span_id=${span}$`));
  });
});
