// A long-lived group of npm `bittorrent-dht` (11.0.12) nodes driven by JSON lines on stdin/stdout.
// Used by tests/did/mainline/test_interop_bittorrent_dht.py and bench/dht.py (did.mainline interop).
// Each input line is {"id": n, "op": ..., ...}; each output line is {"id": n, "ok": true, ...} or
// {"id": n, "ok": false, "error": "..."}. All binary values are hex. BEP 44 signatures via libsodium.
import DHT from 'bittorrent-dht'
import sodium from 'sodium-native'
import readline from 'node:readline'
import crypto from 'node:crypto'

const nodes = []
const hex = (b) => (b ? Buffer.from(b).toString('hex') : null)
const buf = (h) => Buffer.from(h || '', 'hex')

function verify (sig, msg, pk) {
  try {
    return sodium.crypto_sign_verify_detached(sig, msg, pk)
  } catch (e) {
    return false
  }
}

function keypair (seedHex) {
  const pk = Buffer.alloc(32)
  const sk = Buffer.alloc(64)
  sodium.crypto_sign_seed_keypair(pk, sk, buf(seedHex))
  return { pk, sk }
}

function startNode (bootstrap, opts) {
  return new Promise((resolve, reject) => {
    const dht = new DHT({
      bootstrap: bootstrap.length ? bootstrap : false,
      verify,
      host: '127.0.0.1',
      k: 8,
      timeout: opts.timeout || 1000
    })
    dht.on('error', reject)
    dht.listen(0, '127.0.0.1', () => {
      const done = () => resolve(dht)
      if (dht.ready) done(); else dht.once('ready', done)
    })
  })
}

const cb = (fn) => new Promise((resolve, reject) => fn((err, ...rest) => (err ? reject(err) : resolve(rest))))

const ops = {
  async start ({ n, bootstrap = [], chain = false, exact = false, timeout }) {
    const started = []
    for (let i = 0; i < n; i++) {
      // exact: only the given bootstrap; chain: only the previous node; else the bootstrap + our last three
      const known = exact ? bootstrap : chain
        ? (nodes.length ? [`127.0.0.1:${nodes[nodes.length - 1].address().port}`] : bootstrap)
        : bootstrap.concat(nodes.slice(-3).map((d) => `127.0.0.1:${d.address().port}`))
      const dht = await startNode(known, { timeout })
      nodes.push(dht)
      started.push({ index: nodes.length - 1, port: dht.address().port, nodeId: hex(dht.nodeId) })
    }
    return { nodes: started }
  },
  async add_node ({ node, host, port }) {
    nodes[node].addNode({ host, port })
    await new Promise((resolve) => setTimeout(resolve, 50))
    return { size: nodes[node].toJSON().nodes.length }
  },
  async routing ({ node }) {
    return { nodes: nodes[node].toJSON().nodes }
  },
  async put_mutable ({ node, seed, v, seq, salt, cas }) {
    const { pk, sk } = keypair(seed)
    const opts = { k: pk, v: buf(v), seq, sign: (m) => { const s = Buffer.alloc(64); sodium.crypto_sign_detached(s, m, sk); return s } }
    if (salt) opts.salt = buf(salt)
    if (cas !== undefined && cas !== null) opts.cas = cas
    const [hash, n] = await cb((done) => nodes[node].put(opts, done))
    return { target: hex(hash), stored: n, publicKey: hex(pk) }
  },
  async get_mutable ({ node, publicKey, salt }) {
    const pk = buf(publicKey)
    const target = crypto.createHash('sha1').update(salt ? Buffer.concat([pk, buf(salt)]) : pk).digest()
    const opts = { verify, cache: false }
    if (salt) opts.salt = buf(salt)
    const [res] = await cb((done) => nodes[node].get(target, opts, done))
    return { item: res ? { v: hex(res.v), seq: res.seq, sig: hex(res.sig), k: hex(res.k) } : null }
  },
  async put_immutable ({ node, v }) {
    const [hash, n] = await cb((done) => nodes[node].put({ v: buf(v) }, done))
    return { target: hex(hash), stored: n }
  },
  async get_immutable ({ node, target }) {
    const [res] = await cb((done) => nodes[node].get(buf(target), { cache: false }, done))
    return { v: res ? hex(res.v) : null }
  },
  async store_local ({ node, seed, v, seq }) {
    // hold a mutable item on one node only (as if it had been put there earlier), to test routing to it
    const { pk, sk } = keypair(seed)
    const value = buf(v)
    const msg = Buffer.concat([Buffer.from(`3:seqi${seq}e1:v${value.length}:`), value])
    const sig = Buffer.alloc(64)
    sodium.crypto_sign_detached(sig, msg, sk)
    const target = crypto.createHash('sha1').update(pk).digest()
    nodes[node]._values.set(target.toString('hex'), { v: value, k: pk, sig, seq, id: nodes[node].nodeId })
    return { target: hex(target), publicKey: hex(pk) }
  },
  async kill ({ fraction }) {
    // destroy a random fraction of the live nodes (churn); destroyed slots stay null
    const alive = nodes.map((d, i) => (d ? i : -1)).filter((i) => i >= 0)
    const count = Math.round(alive.length * fraction)
    for (let j = 0; j < count; j++) {
      const pick = alive.splice(Math.floor(Math.random() * alive.length), 1)[0]
      await new Promise((resolve) => nodes[pick].destroy(resolve))
      nodes[pick] = null
    }
    return { alive: alive }
  },
  async stats ({ node }) {
    return { nodes: nodes[node].toJSON().nodes.length }
  },
  async stop () {
    await Promise.all(nodes.filter((d) => d).map((d) => new Promise((resolve) => d.destroy(resolve))))
    nodes.length = 0
    return {}
  }
}

const rl = readline.createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  let req
  try {
    req = JSON.parse(line)
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, error: 'bad json' }) + '\n')
    return
  }
  const t0 = process.hrtime.bigint()
  try {
    const out = await ops[req.op](req)
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    process.stdout.write(JSON.stringify({ id: req.id, ok: true, ms, ...out }) + '\n')
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: req.id, ok: false, error: String(e && e.message ? e.message : e) }) + '\n')
  }
})
rl.on('close', async () => {
  await ops.stop()
  process.exit(0)
})
