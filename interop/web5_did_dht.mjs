// Interop peer for the did:dht codec tests (tests/did/test_did_dht_interop.py) and bench/did_codec.py:
// @web5/dids 1.2.0's own DNS-packet codec (DidDhtDocument.toDnsPacket / fromDnsPacket), BEP 44 signing
// (DidDhtUtils.createBep44PutMessage / parseBep44GetMessage) and DidDht.resolve against a stubbed pkarr relay.
//
// stdin (one JSON value), by action:
//   {"action": "create", "services"?, "verificationMethods"?, "types"?, "alsoKnownAs"?, "controllers"?,
//    "gateways"?: ["gw1.example"]}
//      -> {"did", "document", "metadata", "packet": hex (web5's encoded DNS packet, uncompressed names),
//          "relay": hex (sig(64) || seq(8, BE) || v), "seq"}
//   {"action": "toPacket", "document", "types"?, "gateways"?}  -> {"packet": hex}   (web5 encoding of OUR document)
//   {"action": "decode", "did", "relay": hex}
//      -> {"parsed": fromDnsPacket result after web5 verified the BEP 44 signature,
//          "resolved": DidDht.resolve result with fetch() answering GET <gateway>/<z32> with the relay bytes}
//   {"action": "decodeMany", "items": [{"did", "relay"}]} -> [{"ok": didDocument} | {"error": code}]
//   {"action": "pkarrRead", "publicKey": hex, "relay": hex} -> {"seq", "answers": [{name, type, ttl, data}]}
//      (pkarr 1.3.0's SignedPacket.fromBytes: signature check and DNS decoding by another implementation)
//   {"action": "validatePrv", "newDid", "previousDidProof": {"previousDid", "signature"}} -> {"valid", "error"?}
//   {"action": "bench", "n": 200, "services"?, "verificationMethods"?}
//      -> per-operation rates {encode, decode, sign, verify} in operations per second
import { DidDht, DidDhtDocument, DidDhtUtils } from '@web5/dids';
import { encode as dnsPacketEncode, decode as dnsPacketDecode } from '@dnsquery/dns-packet';
import { SignedPacket } from 'pkarr';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

const hex = (u8) => Buffer.from(u8).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

function relayBytes(msg) {
  const body = new Uint8Array(72 + msg.v.length);
  body.set(msg.sig, 0);
  new DataView(body.buffer).setBigUint64(64, BigInt(msg.seq));
  body.set(msg.v, 72);
  return body;
}

function parseRelay(publicKeyBytes, body) {
  return {
    k: publicKeyBytes,
    seq: Number(new DataView(body.buffer, body.byteOffset).getBigUint64(64)),
    sig: body.slice(0, 64),
    v: body.slice(72),
  };
}

async function create(input) {
  const did = await DidDht.create({
    options: {
      publish: false,
      services: input.services,
      verificationMethods: input.verificationMethods,
      types: input.types,
      alsoKnownAs: input.alsoKnownAs,
      controllers: input.controllers,
    },
  });
  const dnsPacket = await DidDhtDocument.toDnsPacket({
    didDocument: did.document,
    didMetadata: did.metadata,
    authoritativeGatewayUris: input.gateways ?? [],
  });
  const publicKeyBytes = DidDhtUtils.identifierToIdentityKeyBytes({ didUri: did.uri });
  const msg = await DidDhtUtils.createBep44PutMessage({
    dnsPacket,
    publicKeyBytes,
    signer: await did.getSigner({ methodId: '0' }),
  });
  return { did, dnsPacket, msg, publicKeyBytes };
}

async function decode(didUri, relayHex) {
  const body = unhex(relayHex);
  const publicKeyBytes = DidDhtUtils.identifierToIdentityKeyBytes({ didUri });
  const msg = parseRelay(publicKeyBytes, body);
  const dnsPacket = await DidDhtUtils.parseBep44GetMessage({ bep44Message: msg });
  const parsed = await DidDhtDocument.fromDnsPacket({ didUri, dnsPacket });
  // DidDht.resolve -> DidDhtDocument.get -> pkarrGet -> fetch(GET <gateway>/<z32>): answer from memory.
  const z32 = didUri.split(':')[2];
  const realFetch = globalThis.fetch;
  const requested = [];
  globalThis.fetch = async (url, init) => {
    requested.push(`${init?.method ?? 'GET'} ${url}`);
    if (String(url).endsWith('/' + z32)) return new Response(body, { status: 200 });
    return new Response(null, { status: 404 });
  };
  let resolved;
  try {
    resolved = await DidDht.resolve(didUri, { gatewayUri: 'http://relay.invalid/' });
  } finally {
    globalThis.fetch = realFetch;
  }
  return { parsed, resolved, requested };
}

function rate(n, seconds) {
  return n / seconds;
}

async function timeit(n, fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return rate(n, Number(process.hrtime.bigint() - t0) / 1e9);
}

const input = await readStdin();
let out;
if (input.action === 'create') {
  const { did, dnsPacket, msg } = await create(input);
  out = {
    did: did.uri,
    document: did.document,
    metadata: did.metadata,
    packet: hex(dnsPacketEncode(dnsPacket)),
    relay: hex(relayBytes(msg)),
    seq: msg.seq,
  };
} else if (input.action === 'toPacket') {
  const dnsPacket = await DidDhtDocument.toDnsPacket({
    didDocument: input.document,
    didMetadata: { types: input.types ?? [] },
    authoritativeGatewayUris: input.gateways ?? [],
  });
  out = { packet: hex(dnsPacketEncode(dnsPacket)) };
} else if (input.action === 'validatePrv') {
  try {
    await DidDhtUtils.validatePreviousDidProof({ newDid: input.newDid, previousDidProof: input.previousDidProof });
    out = { valid: true };
  } catch (error) {
    out = { valid: false, error: error.code ?? String(error) };
  }
} else if (input.action === 'decode') {
  out = await decode(input.did, input.relay);
} else if (input.action === 'pkarrRead') {
  // pkarr 1.3.0 (the relay format's origin): libsodium signature check + mafintosh dns-packet decoding.
  const sp = SignedPacket.fromBytes(unhex(input.publicKey), unhex(input.relay));
  const text = (d) => (Array.isArray(d) ? d.map((x) => Buffer.from(x).toString('utf8')) : [String(d)]);
  out = {
    seq: sp.timestamp(),
    answers: sp.packet().answers.map((a) => ({ name: a.name, type: a.type, ttl: a.ttl, data: text(a.data) })),
  };
} else if (input.action === 'decodeMany') {
  out = [];
  for (const { did, relay } of input.items) {
    try {
      const msg = parseRelay(DidDhtUtils.identifierToIdentityKeyBytes({ didUri: did }), unhex(relay));
      const dnsPacket = await DidDhtUtils.parseBep44GetMessage({ bep44Message: msg });
      out.push({ ok: (await DidDhtDocument.fromDnsPacket({ didUri: did, dnsPacket })).didDocument });
    } catch (error) {
      out.push({ error: error.code ?? String(error) });
    }
  }
} else if (input.action === 'bench') {
  const n = input.n ?? 200;
  const { did, msg, publicKeyBytes } = await create(input);
  const signer = await did.getSigner({ methodId: '0' });
  const encode = async () =>
    dnsPacketEncode(await DidDhtDocument.toDnsPacket({ didDocument: did.document, didMetadata: did.metadata }));
  const packetBytes = await encode();
  const decodeOnce = async () =>
    DidDhtDocument.fromDnsPacket({ didUri: did.uri, dnsPacket: dnsPacketDecode(packetBytes) });
  const dnsPacket = dnsPacketDecode(packetBytes);
  const sign = async () => DidDhtUtils.createBep44PutMessage({ dnsPacket, publicKeyBytes, signer });
  const verify = async () => DidDhtUtils.parseBep44GetMessage({ bep44Message: msg });
  await timeit(20, encode); await timeit(20, decodeOnce); await timeit(20, sign); await timeit(20, verify); // warm up
  out = {
    packetSize: packetBytes.length,
    encode: await timeit(n, encode),
    decode: await timeit(n, decodeOnce),
    sign: await timeit(n, sign),
    verify: await timeit(n, verify),
  };
} else {
  throw new Error(`unknown action ${input.action}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
