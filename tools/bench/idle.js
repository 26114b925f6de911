'use strict';
// idle.js URL COUNT: opens COUNT keep-alive connections to URL's host, asks GET /healthz once on
// each (so each is a connection the server has served, not just accepted), prints
// "ready connections=N answered=N" and keeps them open, idle, until its standard input closes or
// 60 s pass. What an idle browser tab or a mobile app between requests costs the server.
const net = require('node:net');

const [url, countArg] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const count = Number(countArg);
const sockets = [];
let answered = 0;

function open() {
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname);
    let seen = '';
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`));
    s.on('data', (d) => {
      seen += d.toString('latin1');
      if (/\r\n\r\n[\s\S]*\}/.test(seen)) { answered++; seen = ''; resolve(true); }
    });
    sockets.push(s);
  });
}

(async () => {
  for (let i = 0; i < count; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
  }
  const live = sockets.filter((s) => !s.destroyed).length;
  process.stdout.write(`ready connections=${live} answered=${answered}\n`);
  const done = () => { for (const s of sockets) s.destroy(); process.exit(0); };
  process.stdin.on('end', done);
  process.stdin.resume();
  setTimeout(done, 60000).unref();
})();
