'use strict';
// Spawning our own verigate, emulator, redis-server and jongodb instances, for tests that need
// faults, a stopped dependency or a special configuration. Everything spawned here is killed
// by stop(), and, as a last resort, when this test process exits.
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const net = require('node:net');
const path = require('node:path');
const { env } = require('./env');
const { withDatabase, dropDatabase } = require('./stores');

// Every process spawned by this test file, running or not. Children are unref'd so that a
// failed hook can never keep the test file alive; the exit handler kills whatever is left.
const live = new Set();
const handles = [];
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch (e) { /* gone */ } } });

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts cmd; returns a handle whose output() is everything it printed so far.
function launch(name, cmd, args, childEnv) {
  const proc = spawn(cmd, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.unref();
  proc.stdout.unref();
  proc.stderr.unref();
  const h = { name, proc, out: '', err: '', exited: false, code: null, signal: null, spawnError: null };
  proc.stdout.on('data', (d) => { h.out += d; });
  proc.stderr.on('data', (d) => { h.err += d; });
  h.exit = new Promise((resolve) => {
    proc.on('error', (e) => { h.spawnError = e; h.exited = true; live.delete(proc); resolve(); });
    // Done at 'close', once everything the process printed has been read; or 1 s after 'exit'
    // should a grandchild still hold its pipes.
    const done = (code, signal) => {
      if (h.exited) return;
      h.exited = true; h.code = code; h.signal = signal; live.delete(proc); resolve();
    };
    proc.on('close', done);
    // Not unref'd: with every pipe unref'd, this timer is what keeps the loop alive until 'close'.
    proc.on('exit', (code, signal) => { setTimeout(() => done(code, signal), 1000); });
  });
  h.output = () => h.out + h.err;
  h.stop = async (signal = 'SIGTERM') => {
    if (h.exited) return;
    proc.kill(signal);
    const t = setTimeout(() => { if (!h.exited) proc.kill('SIGKILL'); }, 3000);
    await h.exit;
    clearTimeout(t);
  };
  h.kill = () => h.stop('SIGKILL');
  handles.push(h);
  return h;
}

// Polls probe() until it returns true, the process dies, or timeoutMs passes.
async function waitUntil(h, probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (h.exited) {
      throw new Error(`${h.name} exited (code ${h.code}, signal ${h.signal}${h.spawnError ? ', ' + h.spawnError.message : ''}) before ${what}:\n${h.output().slice(-2000)}`);
    }
    try { if (await probe()) return; } catch (e) { /* not yet */ }
    await sleep(50);
  }
  await h.stop('SIGKILL');
  throw new Error(`${h.name} not ${what} after ${timeoutMs} ms:\n${h.output().slice(-2000)}`);
}

async function httpOk(url) {
  const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await r.arrayBuffer();
  return r.status === 200;
}

const PASS_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'LD_LIBRARY_PATH'];

// The configuration of the shared verigate, for own instances to start from.
function baseConfig() {
  return {
    BIND_ADDRESS: '127.0.0.1',
    MONGODB_URI: env.MONGODB_URI,
    REDIS_URL: env.REDIS_URL,
    TWILIO_ACCOUNT_SID: env.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN,
    TWILIO_VERIFY_SERVICE_SID: env.TWILIO_VERIFY_SERVICE_SID,
    TWILIO_VERIFY_BASE_URL: env.EMULATOR_URL,
    JWT_PRIVATE_KEY_FILE: env.JWT_PRIVATE_KEY_FILE,
    JWT_ALG: 'RS256',
    JWT_ISSUER: env.JWT_ISSUER,
    JWT_AUDIENCE: env.JWT_AUDIENCE,
    // TOTP on, with the shared instance's key (a test of TOTP off removes it).
    FACTOR_ENCRYPTION_KEY: process.env.FACTOR_ENCRYPTION_KEY,
    LOG_LEVEL: 'info',
    // Every test process comes from 127.0.0.1: the per-IP limits are off unless a test of
    // those limits turns one on (tests/e2e/limits.test.js).
    LOGIN_FAILS_PER_IP: '0',
    SMS_PER_IP_HOUR: '0',
    SIGNUPS_PER_IP_HOUR: '0',
    RESETS_PER_IP_HOUR: '0',
    // A test's own instance drains for at most 2 s on SIGTERM (tests/e2e/shutdown.test.js sets
    // its own), under h.stop's 3 s before SIGKILL, so a request a test left hanging neither
    // stalls the suite nor costs the instance its sanitizer report.
    SHUTDOWN_GRACE_SECONDS: '2',
  };
}

function childEnv(vars) {
  const e = {};
  for (const k of PASS_ENV) if (process.env[k] !== undefined) e[k] = process.env[k];
  for (const [k, v] of Object.entries(vars)) if (v !== undefined && v !== null) e[k] = String(v);
  return e;
}

// Own verigate. opts.db: a database name on the MONGODB_URI server (default: a fresh random one,
// see handle.db); opts.env: variables that override the shared configuration (undefined removes).
// opts.wait === false returns without waiting for /healthz (for configuration errors); opts.port:
// a port chosen beforehand (freePort()), for settings that must name it, such as PUBLIC_URL.
async function startVerigate(opts = {}) {
  const port = opts.port || await freePort();
  const db = opts.db || `vg_e2e_${crypto.randomBytes(4).toString('hex')}`;
  const vars = Object.assign(baseConfig(), { MONGODB_URI: withDatabase(env.MONGODB_URI, db), PORT: port }, opts.env || {});
  for (const [k, v] of Object.entries(opts.env || {})) if (v === undefined) delete vars[k];
  const h = launch(`verigate:${port}`, env.VERIGATE_BIN, [], childEnv(vars));
  h.port = port;
  h.url = `http://127.0.0.1:${port}`;
  h.db = db;
  h.config = vars;
  if (opts.wait !== false) await waitUntil(h, () => httpOk(`${h.url}/healthz`), opts.timeoutMs || 10000, 'healthy');
  return h;
}

// Own Twilio Verify emulator with the shared credentials.
async function startEmulator(opts = {}) {
  const port = opts.port || await freePort();
  const args = ['--port', port, '--account-sid', env.TWILIO_ACCOUNT_SID, '--auth-token', env.TWILIO_AUTH_TOKEN,
    '--service-sid', env.TWILIO_VERIFY_SERVICE_SID];
  if (opts.codeTtl !== undefined) args.push('--code-ttl', opts.codeTtl);
  const h = launch(`emulator:${port}`, env.EMULATOR_BIN, args.map(String), childEnv({}));
  h.port = port;
  h.url = `http://127.0.0.1:${port}`;
  await waitUntil(h, async () => /listening/.test(h.output()) && httpOk(`${h.url}/__emulator/requests`), 10000, 'listening');
  return h;
}

// Own redis-server (no persistence). Pass opts.port to come back on the same port after a stop.
async function startRedis(opts = {}) {
  const port = opts.port || await freePort();
  const h = launch(`redis:${port}`, env.REDIS_SERVER_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], childEnv({}));
  h.port = port;
  h.url = `redis://127.0.0.1:${port}/0`;
  await waitUntil(h, () => execFileSync(env.REDIS_CLI_BIN, ['-p', String(port), 'PING'],
    { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'PONG', 10000, 'answering PING');
  return h;
}

// Own MongoDB-compatible server (jongodb from .tools). h.uri carries no database name.
async function startJongodb(opts = {}) {
  const port = opts.port || await freePort();
  const bin = path.join(env.VG_TOOLS, 'node_modules', '@jongodb', 'memory-server-bin-linux-x64-gnu', 'bin', 'jongodb');
  const h = launch(`jongodb:${port}`, bin, ['--host=127.0.0.1', `--port=${port}`], childEnv({}));
  h.port = port;
  h.uri = `mongodb://127.0.0.1:${port}`;
  await waitUntil(h, async () => /JONGODB_URI=/.test(h.output()), opts.timeoutMs || 20000, 'ready');
  return h;
}

// Own Prism proxy (tests/e2e/lib/prism_proxy.js) in front of upstream, checking every answer
// against the OpenAPI file into VG_CONTRACT_LOG like the shared one. Start-up takes seconds (it
// loads and dereferences the spec): tests use it where a proxy in the path is the point.
async function startPrism(upstream) {
  const port = await freePort();
  const vars = { VG_TOOLS: env.VG_TOOLS, OPENAPI_FILE: env.OPENAPI_FILE, VG_CONTRACT_LOG: process.env.VG_CONTRACT_LOG };
  const h = launch(`prism:${port}`, process.execPath, [path.join(__dirname, 'prism_proxy.js'), 'serve', String(port), upstream], childEnv(vars));
  h.port = port;
  h.url = `http://127.0.0.1:${port}`;
  await waitUntil(h, () => httpOk(`${h.url}/healthz`), 30000, 'relaying');
  return h;
}

// Stops every handle given (with none: everything this file spawned), ignoring the ones that
// are already gone or were never started.
async function stopAll(...some) {
  const list = some.length ? some : handles;
  await Promise.all(list.filter(Boolean).map((h) => h.stop().catch(() => {})));
}

// For after(): stops everything this file spawned and drops the databases of its own verigate
// instances (only the random vg_e2e_* ones: never the shared database).
async function cleanupSpawned() {
  await stopAll();
  for (const h of handles) {
    if (h.db && h.db.startsWith('vg_e2e_')) await dropDatabase(h.db).catch(() => {});
  }
}

// Log lines that show a whole phone number (E.164) or a whole JWT: never allowed in a log.
function logLeaks(logs) {
  return logs.split('\n').filter((l) => /\+[1-9][0-9]{7,14}(?![0-9])/.test(l) || /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./.test(l));
}

module.exports = { logLeaks, freePort, sleep, launch, waitUntil, startVerigate, startEmulator, startRedis, startJongodb, startPrism, stopAll, cleanupSpawned, baseConfig };
