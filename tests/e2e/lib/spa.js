'use strict';
// The example SPA (examples/spa) in a real browser: its static server, Debian's chromium driven
// headless by playwright-core, and a folder for screenshots. Everything started here is stopped
// by the test's after(), also when a step failed.
const fs = require('node:fs');
const path = require('node:path');
const { env, tool } = require('./env');
const { launch, waitUntil } = require('./procs');

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// examples/spa/serve.js on port, serving verigate's apiUrl as the page's API.
async function startSpa(port, apiUrl) {
  const serve = path.join(env.ROOT, 'examples', 'spa', 'serve.js');
  const h = launch(`spa:${port}`, process.execPath, [serve],
    { PATH: process.env.PATH, VG_API_URL: apiUrl, SPA_PORT: String(port), SPA_BIND: '127.0.0.1' });
  h.url = `http://127.0.0.1:${port}`;
  await waitUntil(h, async () => (await fetch(`${h.url}/config.json`, { signal: AbortSignal.timeout(1000) })).ok, 10000, 'serving');
  return h;
}

// Headless chromium; as root it needs --no-sandbox (no user namespaces for its sandbox).
function launchBrowser() {
  const { chromium } = tool('playwright-core');
  const args = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

// Where this run keeps its screenshots: scripts/test's run folder (.run/test/<suite>/spa), or
// .run/spa when run by hand. Emptied first, so a folder shows one run.
function screenshotDir() {
  const dir = path.join(process.env.VG_ARTIFACTS_DIR || path.join(env.ROOT, '.run'), 'spa');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

module.exports = { startSpa, launchBrowser, screenshotDir };
