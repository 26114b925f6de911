'use strict';
// A gate in front of the Twilio emulator: each request it receives is held until release() (or
// forever), then passed on to the emulator and its answer passed back. A test knows for certain
// that verigate is inside its Twilio call (arrived), and decides when that call ends.
const http = require('node:http');

async function startGate(emuUrl) {
  let arrive;
  let open;
  const arrived = new Promise((resolve) => { arrive = resolve; });
  const released = new Promise((resolve) => { open = resolve; });
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', async () => {
      arrive(req.url);
      await released;
      try {
        const r = await fetch(emuUrl + req.url, {
          method: req.method,
          headers: { Authorization: req.headers.authorization || '', 'Content-Type': req.headers['content-type'] || 'application/x-www-form-urlencoded' },
          body: req.method === 'GET' ? undefined : Buffer.concat(parts),
          signal: AbortSignal.timeout(5000),
        });
        res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') || 'application/json' });
        res.end(await r.text());
      } catch (e) {
        res.destroy();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    arrived,
    release: () => open(),
    close: () => { server.closeAllConnections(); server.close(); },
  };
}

module.exports = { startGate };
