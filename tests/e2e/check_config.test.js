'use strict';
// `verigate --check-config`, `--version`, every configuration problem named at once, and the
// secrets that may come from files (TWILIO_AUTH_TOKEN_FILE, REDIS_URL_FILE, MONGODB_URI_FILE).
const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { env } = require('./lib/env');
const { client, expectStatus } = require('./lib/http');
const { closeMongo, withDatabase } = require('./lib/stores');
const { signup, login, codeFor } = require('./lib/flow');
const { launch, baseConfig, freePort, startVerigate, cleanupSpawned, sleep } = require('./lib/procs');

// Runs build/verigate with args and the shared configuration changed by over (undefined
// removes a variable); resolves to its exit code and output once it exits (at most 20 s).
async function run(args, over = {}) {
  const vars = Object.assign({ PATH: process.env.PATH }, baseConfig(), over);
  for (const [k, v] of Object.entries(over)) if (v === undefined) delete vars[k];
  const h = launch(`verigate ${args.join(' ')}`, env.VERIGATE_BIN, args, vars);
  await Promise.race([h.exit, sleep(20000)]);
  if (!h.exited) await h.kill();
  assert.ok(h.exited && h.code !== null, `verigate ${args.join(' ')} did not exit by itself:\n${h.output()}`);
  return { code: h.code, out: h.out, err: h.err };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-e2e-secrets-'));
function secretFile(name, content) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

describe('check-config, version and secrets from files', () => {
  after(async () => {
    await cleanupSpawned();
    await closeMongo();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('check_config_passes_against_the_real_stack', async () => {
    const r = await run(['--check-config']);
    assert.equal(r.code, 0, r.out + r.err);
    for (const line of ['ok config', 'ok mongodb', 'ok redis', 'ok twilio', 'ok jwt keys'])
      assert.ok(r.out.split('\n').includes(line), `"${line}" in:\n${r.out}${r.err}`);
  });

  test('check_config_names_redis_when_it_does_not_answer', async () => {
    const r = await run(['--check-config'], { REDIS_URL: `redis://127.0.0.1:${await freePort()}/0` });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /^error redis: .*refused/m);
    assert.match(r.out, /^ok mongodb$/m);
    assert.match(r.out, /^ok twilio$/m);
  });

  test('check_config_names_twilio_when_the_token_is_wrong_and_never_prints_it', async () => {
    const wrong = `wrong-${crypto.randomBytes(8).toString('hex')}`;
    const r = await run(['--check-config'], { TWILIO_AUTH_TOKEN: wrong });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /^error twilio: the credentials were refused \(HTTP 401, code 20003\)/m);
    assert.match(r.out, /^ok redis$/m);
    assert.ok(!(r.out + r.err).includes(wrong), 'the token is never printed');
    assert.ok(!(r.out + r.err).includes(env.TWILIO_AUTH_TOKEN), 'nor the right one');
  });

  test('check_config_names_an_unknown_verify_service', async () => {
    const r = await run(['--check-config'], { TWILIO_VERIFY_SERVICE_SID: `VA${'0'.repeat(31)}1` });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /^error twilio: no Verify service VA0{31}1 on this account \(HTTP 404, code 20404\)/m);
  });

  test('every_invalid_variable_is_named_at_once', async () => {
    for (const args of [[], ['--check-config']]) {
      const r = await run(args, { PORT: 'eighty', JWT_ALG: 'none', TWILIO_ACCOUNT_SID: undefined });
      assert.equal(r.code, 2, r.out + r.err);
      const lines = r.err.split('\n').filter((l) => l.startsWith('verigate: configuration error: '));
      assert.equal(lines.length, 3, r.err);
      for (const name of ['PORT', 'JWT_ALG', 'TWILIO_ACCOUNT_SID'])
        assert.equal(lines.filter((l) => l.includes(name)).length, 1, `${name} named once:\n${r.err}`);
    }
  });

  test('secrets_from_files_start_a_working_instance', async () => {
    const db = `vg_e2e_${crypto.randomBytes(4).toString('hex')}`;
    const vg = await startVerigate({
      db,
      env: {
        TWILIO_AUTH_TOKEN: undefined, REDIS_URL: undefined, MONGODB_URI: undefined,
        TWILIO_AUTH_TOKEN_FILE: secretFile('twilio_token', `${env.TWILIO_AUTH_TOKEN}\n`),
        REDIS_URL_FILE: secretFile('redis_url', `${env.REDIS_URL}\n`),
        MONGODB_URI_FILE: secretFile('mongodb_uri', withDatabase(env.MONGODB_URI, db)),
      },
    });
    const api = client(vg.url);
    expectStatus(await api.get('/readyz'), 200);
    const user = await signup(api);
    await login(api, user); // Twilio took the token read from the file
    assert.match(await codeFor(env.EMULATOR_URL, user.phone), /^[0-9]+$/);
    assert.ok(!vg.output().includes(env.TWILIO_AUTH_TOKEN), 'the token never reaches the log');
  });

  test('a_variable_and_its_file_together_are_refused_naming_both', async () => {
    const r = await run([], { TWILIO_AUTH_TOKEN_FILE: secretFile('token2', 'whatever\n') });
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /TWILIO_AUTH_TOKEN and TWILIO_AUTH_TOKEN_FILE are both set/);
    const missing = await run([], { TWILIO_AUTH_TOKEN: undefined, TWILIO_AUTH_TOKEN_FILE: path.join(dir, 'nope') });
    assert.equal(missing.code, 2);
    assert.match(missing.err, /TWILIO_AUTH_TOKEN_FILE: cannot read .*nope/);
  });

  test('version_prints_the_version_and_commit', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^verigate \d+\.\d+\.\d+ \(([0-9a-f]{7,40}|unknown)\)\n$/);
  });
});
