'use strict';
// A flood in a process of its own, so that its event loop is not the one that times the requests
// it is meant to disturb: node tests/e2e/lib/flood.js URL CONNECTIONS SECONDS EMAIL
// sends wrong-password logins and fresh signups, alternately per connection, over CONNECTIONS
// keep-alive connections for SECONDS, then prints {"answers": N, "statuses": {"503": n, ...}}.
const http = require('node:http');
const { newUser } = require('./flow');

const [url, connections, seconds, email] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const statuses = {};
let answers = 0;
let stop = false;

function post(path, body) {
  return new Promise((resolve) => {
    const req = http.request({ agent, host: hostname, port, method: 'POST', path, headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => { statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1; answers++; resolve(); });
    });
    req.on('error', () => { statuses.error = (statuses.error || 0) + 1; resolve(); });
    req.end(JSON.stringify(body));
  });
}

async function flooder(i) {
  while (!stop) {
    if (i % 2) {
      await post('/login', { email, password: 'a wrong password' });
    } else {
      await post('/signup', newUser());
    }
  }
}

setTimeout(() => { stop = true; }, Number(seconds) * 1000);
Promise.all(Array.from({ length: Number(connections) }, (_, i) => flooder(i))).then(() => {
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ answers, statuses })}\n`);
});
