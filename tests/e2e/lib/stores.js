'use strict';
// Direct looks into the data stores, to assert what verigate really wrote.
const { execFileSync } = require('node:child_process');
const { env, tool } = require('./env');

// ---- Redis, through redis-cli ------------------------------------------------------------
function redis(url, ...args) {
  return execFileSync(env.REDIS_CLI_BIN, ['-u', url, ...args.map(String)], {
    encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'],
  }).replace(/\n$/, '');
}

function redisHash(url, key) {
  const out = redis(url, 'HGETALL', key);
  const lines = out === '' ? [] : out.split('\n');
  const h = {};
  for (let i = 0; i + 1 < lines.length; i += 2) h[lines[i]] = lines[i + 1];
  return h;
}

function redisTtl(url, key) { return Number(redis(url, 'TTL', key)); }
function redisExists(url, key) { return redis(url, 'EXISTS', key) === '1'; }
function redisKeys(url, pattern) {
  const out = redis(url, '--scan', '--pattern', pattern);
  return out === '' ? [] : out.split('\n');
}

// ---- MongoDB, through the official driver ------------------------------------------------
const clients = new Map();

async function mongoClient(uri = env.MONGODB_URI) {
  if (!clients.has(uri)) {
    const { MongoClient } = tool('mongodb');
    const c = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    clients.set(uri, c.connect().then(() => c));
  }
  return clients.get(uri);
}

// The users collection of the database named in uri (or of dbName on that server).
async function users(dbName, uri = env.MONGODB_URI) {
  const c = await mongoClient(uri);
  return c.db(dbName).collection('users');
}

async function dropDatabase(dbName, uri = env.MONGODB_URI) {
  const c = await mongoClient(uri);
  await c.db(dbName).dropDatabase();
}

async function closeMongo() {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map((p) => p.then((c) => c.close(), () => {})));
}

// The same MongoDB URI with another database name (its path), options kept.
function withDatabase(uri, dbName) {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error(`e2e: cannot parse MONGODB_URI ${uri}`);
  return `${m[1]}/${dbName}${m[3] || ''}`;
}

function databaseOf(uri) {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]+\/([^?]+)/.exec(uri);
  return m ? decodeURIComponent(m[1]) : 'test';
}

module.exports = {
  redis, redisHash, redisTtl, redisExists, redisKeys,
  mongoClient, users, dropDatabase, closeMongo, withDatabase, databaseOf,
};
