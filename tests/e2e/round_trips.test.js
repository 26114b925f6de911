'use strict';
// Issue 14: a login and a verify stay at 3 Redis round trips at most (a new rule goes into an
// existing script), and no step takes more than its budget, the RT_BUDGET line of scripts/bench
// (read from there, so the benchmark and this test keep one list). Counted with MONITOR on a
// redis-server of our own: every command a client sends is one line, so an EVALSHA is one round
// trip and the commands its script runs (the "lua" lines) are not.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { env } = require('./lib/env');
const { client, expectStatus } = require('./lib/http');
const { closeMongo, redis } = require('./lib/stores');
const { signup, login, codeFor, verify } = require('./lib/flow');
const { launch, waitUntil, startVerigate, startRedis, cleanupSpawned, sleep } = require('./lib/procs');

const CEILING = { login: 3, verify: 3 }; // the rule, whatever the budgets say

function budgets() {
  const text = fs.readFileSync(path.join(env.ROOT, 'scripts', 'bench'), 'utf8');
  const m = /^RT_BUDGET="([^"]*)"$/m.exec(text);
  assert.ok(m, 'scripts/bench has no RT_BUDGET="step=n ..." line');
  return Object.fromEntries(m[1].trim().split(/\s+/).map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
}

// MONITOR lines: "<time> [<db> <client address, or lua>] "<COMMAND>" args...".
const LINE = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/;

// A MONITOR client on rds; mark(name) returns the commands sent since the last mark, once
// Redis has shown the mark itself (so every command before it has been shown too).
async function monitor(rds) {
  const mon = launch(`monitor:${rds.port}`, env.REDIS_CLI_BIN, ['-p', String(rds.port), 'MONITOR'], process.env);
  await waitUntil(mon, () => /^OK$/m.test(mon.out), 5000, 'monitoring');
  let seen = mon.out.length;
  let marks = 0;
  return async function mark(name) {
    const tag = `vg-round-trips-${++marks}-${name}`;
    redis(rds.url, 'ECHO', tag);
    const shown = () => mon.out.indexOf(`"${tag}"\n`, seen);
    const deadline = Date.now() + 5000;
    while (shown() < 0) {
      assert.ok(Date.now() < deadline, `MONITOR never showed ${tag}`);
      await sleep(20);
    }
    const lines = mon.out.slice(seen, shown()).split('\n');
    seen = shown() + tag.length + 3;
    const cmds = lines.map((l) => LINE.exec(l)).filter(Boolean).filter((m) => m[2].toUpperCase() !== 'ECHO');
    const trips = cmds.filter((m) => m[1] !== 'lua').map((m) => m[2].toUpperCase());
    return { trips: trips.length, commands: cmds.length, sent: trips.join(' ') };
  };
}

// One of each step for a new user; step(name, fn) runs fn and records what it cost.
async function everyStep(api, emuUrl, step) {
  const user = await step('signup', () => signup(api));
  await step('login_wrong_password', async () =>
    expectStatus(await api.post('/login', { email: user.email, password: 'not the password' }), 401));
  const lg = await step('login', () => login(api, user));
  await step('resend', async () => expectStatus(await api.post('/resend', undefined, { token: lg.mfa_token }), 202));
  const code = await codeFor(emuUrl, user.phone);
  const v = await step('verify', () => verify(api, lg.mfa_token, code));
  await step('dashboard', async () => expectStatus(await api.get('/dashboard', { token: v.access_token }), 200));
  // TOTP: an authenticator enrolled (set-up: a step whose name starts with "_" has no budget),
  // then a login that sends no SMS and a verify with the app's next code.
  const totp = (secret, t) => execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${t}`], { encoding: 'utf8' }).trim();
  const app = await step('_enroll_totp', async () => {
    const e = await api.post('/factors/totp', undefined, { token: v.access_token });
    expectStatus(e, 201);
    const t = Math.floor(Date.now() / 1000);
    expectStatus(await api.post('/factors/totp/confirm', { code: totp(e.body.secret, t) }, { token: v.access_token }), 200);
    return { secret: e.body.secret, t };
  });
  const tl = await step('login_totp', async () => {
    const res = await api.post('/login', { email: user.email, password: user.password, factor: 'totp' });
    expectStatus(res, 200);
    return res.body;
  });
  await step('verify_totp', async () =>
    expectStatus(await api.post('/verify', { factor: 'totp', code: totp(app.secret, app.t + 30) }, { token: tl.mfa_token }), 200));
}

describe('Redis round trips per request', () => {
  let api, rds;

  before(async () => {
    rds = await startRedis();
    // The per-IP limits at their defaults (the shared configuration turns them off): each is a
    // counter a real request pays for.
    const vg = await startVerigate({ env: { REDIS_URL: rds.url, RESEND_COOLDOWN_SECONDS: 0,
      LOGIN_FAILS_PER_IP: undefined, SMS_PER_IP_HOUR: undefined, SIGNUPS_PER_IP_HOUR: undefined } });
    api = client(vg.url);
    // Uncounted: the pool connects and Redis learns every script (a first EVALSHA answers
    // NOSCRIPT and is followed by an EVAL), as in any steady state.
    await everyStep(api, env.EMULATOR_URL, (name, fn) => fn());
  });

  after(async () => {
    await cleanupSpawned();
    await closeMongo();
  });

  test('no_step_takes_more_round_trips_than_its_budget', async (t) => {
    const budget = budgets();
    for (const [step, most] of Object.entries(CEILING))
      assert.ok(budget[step] <= most, `RT_BUDGET allows ${budget[step]} round trips for a ${step}: at most ${most}`);
    const mark = await monitor(rds);
    await mark('start');
    const cost = {};
    await everyStep(api, env.EMULATOR_URL, async (name, fn) => {
      const out = await fn();
      cost[name] = await mark(name);
      return out;
    });
    for (const k of Object.keys(cost)) if (k.startsWith('_')) delete cost[k];
    const trips = Object.fromEntries(Object.entries(cost).map(([k, c]) => [k, c.trips]));
    assert.deepEqual(Object.keys(trips).sort(), Object.keys(budget).sort(), 'every budgeted step was counted');
    for (const [step, c] of Object.entries(cost)) {
      assert.ok(c.trips >= 1 && c.trips <= budget[step],
        `${step}: ${c.trips} round trips (${c.sent}; ${c.commands} commands with the scripts'), budget ${budget[step]}`);
      assert.ok(!/\bEVAL\b/.test(c.sent), `${step}: a script Redis did not know (${c.sent})`);
    }
    for (const [step, c] of Object.entries(cost)) t.diagnostic(`${step}: ${c.trips} round trips (${c.sent}), ${c.commands} commands`);
  });
});
