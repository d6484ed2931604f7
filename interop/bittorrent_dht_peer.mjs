// A controllable bittorrent-dht (webtorrent) swarm for interop tests and benchmarks.
// Protocol: one JSON command per stdin line -> one JSON answer per stdout line, with the command's "id".
//   {"cmd":"start","n":N,"bootstrap":["127.0.0.1:6881",...],"link":true} -> {"nodes":[{"port":P,"id":hex},...]}
//     (link: also add the previously started node as a contact, so a swarm is connected without bootstrap)
//   {"cmd":"start","n":N,"sequential":true,"timeout":ms}: start one node at a time, each bootstrapping from the given
//     list plus the last three nodes started, and wait until it is ready (its bootstrap lookup finished) before the next
//   {"cmd":"addNode","index":i,"host":h,"port":p}              -> {}
//   {"cmd":"put","index":i,"v":hex,"seq":n,"seed":hex32,"salt":hex} (mutable; without seed: immutable) -> {"hash":hex,"stored":n}
//   {"cmd":"get","index":i,"target":hex}                       -> {"item":{"v":hex,"seq":n,"k":hex}|null}
//   put/get answers also carry "ms" (wall time inside Node)
//   {"cmd":"destroy","indices":[i,...]}                          -> {}   (churn: those nodes stop answering)
//   {"cmd":"stop"}
import DHT from 'bittorrent-dht'
import sodium from 'sodium-universal'
import readline from 'node:readline'

const verify = (sig, msg, pk) => sodium.crypto_sign_verify_detached(sig, msg, pk)
const dhts = []
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')

function keypair (seedHex) {
  const pk = Buffer.alloc(32); const sk = Buffer.alloc(64)
  sodium.crypto_sign_seed_keypair(pk, sk, Buffer.from(seedHex, 'hex'))
  return { pk, sk }
}

function put (dht, { v, seq, seed, salt }) {
  const opts = { v: Buffer.from(v, 'hex') }
  if (seed) {
    const { pk, sk } = keypair(seed)
    Object.assign(opts, {
      k: pk, seq,
      sign: (buf) => { const sig = Buffer.alloc(64); sodium.crypto_sign_detached(sig, buf, sk); return sig }
    })
    if (salt) opts.salt = Buffer.from(salt, 'hex')
  }
  return new Promise((resolve, reject) => dht.put(opts, (err, hash, n) => err ? reject(err) : resolve({ hash: hash.toString('hex'), stored: n })))
}

function get (dht, target, salt) {
  const opts = salt ? { salt: Buffer.from(salt, 'hex') } : {}
  return new Promise((resolve, reject) => dht.get(Buffer.from(target, 'hex'), opts, (err, res) => {
    if (err) return reject(err)
    resolve({ item: res ? { v: Buffer.from(res.v).toString('hex'), seq: res.seq ?? null, k: res.k ? Buffer.from(res.k).toString('hex') : null } : null })
  }))
}

async function start ({ n, bootstrap = [], link = true, sequential = false, timeout }) {
  const made = []
  for (let i = 0; i < n; i++) {
    const known = sequential ? bootstrap.concat(dhts.slice(-3).map((d) => `127.0.0.1:${d.address().port}`)) : bootstrap
    const opts = { bootstrap: known.length ? known : false, verify, host: '127.0.0.1' }
    if (timeout) opts.timeout = timeout
    const dht = new DHT(opts)
    dht.on('error', () => {})
    await new Promise((resolve) => dht.listen(0, '127.0.0.1', resolve))
    // link to the previous node of this swarm so the swarm is connected even without a bootstrap list
    if (link && dhts.length) {
      const prev = dhts[dhts.length - 1]
      dht.addNode({ host: '127.0.0.1', port: prev.address().port })
      prev.addNode({ host: '127.0.0.1', port: dht.address().port })
    }
    if (sequential && !dht.ready) await new Promise((resolve) => dht.once('ready', resolve))
    dhts.push(dht)
    made.push({ port: dht.address().port, id: dht.nodeId.toString('hex') })
  }
  if (bootstrap.length) await Promise.all(dhts.slice(-n).map((d) => d.ready ? null : new Promise((resolve) => d.once('ready', resolve))))
  return { nodes: made }
}

async function handle (c) {
  switch (c.cmd) {
    case 'start': return start(c)
    case 'addNode': dhts[c.index].addNode({ host: c.host, port: c.port }); return {}
    case 'put': { const t0 = performance.now(); const r = await put(dhts[c.index], c); return { ...r, ms: performance.now() - t0 } }
    case 'get': { const t0 = performance.now(); const r = await get(dhts[c.index], c.target, c.salt); return { ...r, ms: performance.now() - t0 } }
    case 'destroy': for (const i of c.indices) dhts[i].destroy(); return {}
    case 'lookup': return new Promise((resolve) => dhts[c.index].lookup(Buffer.from(c.target, 'hex'), (err, n) => resolve({ found: n ?? 0, error: err ? String(err) : null })))
    case 'stop': for (const d of dhts) d.destroy(); setTimeout(() => process.exit(0), 50); return {}
    default: throw new Error('unknown command ' + c.cmd)
  }
}

const rl = readline.createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  let c
  try { c = JSON.parse(line) } catch (e) { return out({ ok: false, error: 'bad json' }) }
  try { out({ id: c.id, ok: true, ...(await handle(c)) }) } catch (e) { out({ id: c.id, ok: false, error: String(e && e.message || e) }) }
})
rl.on('close', () => { for (const d of dhts) d.destroy(); process.exit(0) })
