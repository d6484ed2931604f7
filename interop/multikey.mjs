// Multikey interop peer: Digital Bazaar's @digitalbazaar/ed25519-multikey, ecdsa-multikey, bls12-381-multikey.
// stdin: {"op": "generate", "kinds": ["ed25519", "p256", "bls"]}
//          -> [{kind, multikey (with secret), jwk (public), jwkSecret, data, signature}]  (signature hex over data)
//        {"op": "import", "keys": [{kind, multikey}], "data": HEX}
//          -> [{multikey (re-exported with secret), jwk, signature}]
//        {"op": "verify", "items": [{kind, multikey, data: HEX, signature: HEX}]} -> [true|false, ...]
//        {"op": "noble", "items": [{curve: "secp256k1"|"p256"|"ed25519", secret: HEX, data: HEX, signature: HEX}]}
//          -> [{publicKey: HEX (compressed), signature: HEX (noble's own, RFC 6979), verifies: bool (ours)}]
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';
import {secp256k1} from '@noble/curves/secp256k1';
import {p256} from '@noble/curves/p256';
import {ed25519} from '@noble/curves/ed25519';
import {sha256} from '@noble/hashes/sha256';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const LIBS = {ed25519: Ed25519Multikey, p256: EcdsaMultikey, bls: Bls12381Multikey};
const hex = (u8) => Buffer.from(u8).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

async function generate(kind) {
  if (kind === 'ed25519') return Ed25519Multikey.generate({controller: 'did:example:interop'});
  if (kind === 'p256') return EcdsaMultikey.generate({curve: 'P-256', controller: 'did:example:interop'});
  if (kind === 'bls') {
    return Bls12381Multikey.generateBbsKeyPair({
      algorithm: Bls12381Multikey.ALGORITHMS.BBS_BLS12381_SHA256, controller: 'did:example:interop'});
  }
  throw new Error(`unknown kind ${kind}`);
}

async function describe(kind, keyPair, data) {
  const lib = LIBS[kind];
  const multikey = await keyPair.export({publicKey: true, secretKey: true, includeContext: true});
  const out = {kind, multikey};
  out.jwk = await lib.toJwk({keyPair, secretKey: false});
  out.jwkSecret = await lib.toJwk({keyPair, secretKey: true});
  if (kind !== 'bls' && keyPair.secretKey) {
    out.data = hex(data);
    out.signature = hex(await keyPair.signer().sign({data}));
  }
  return out;
}

const input = await readStdin();
let out;
const data = input.data ? unhex(input.data) : new TextEncoder().encode('iiotid multikey interop');
if (input.op === 'generate') {
  out = [];
  for (const kind of input.kinds) out.push(await describe(kind, await generate(kind), data));
} else if (input.op === 'import') {
  out = [];
  for (const {kind, multikey} of input.keys) out.push(await describe(kind, await LIBS[kind].from(multikey), data));
} else if (input.op === 'verify') {
  out = [];
  for (const {kind, multikey, data: d, signature} of input.items) {
    const keyPair = await LIBS[kind].from(multikey);
    out.push(await keyPair.verifier().verify({data: unhex(d), signature: unhex(signature)}));
  }
} else if (input.op === 'noble') {
  out = [];
  for (const {curve, secret, data: d, signature} of input.items) {
    const sk = unhex(secret);
    const msg = unhex(d);
    if (curve === 'ed25519') {
      const pub = ed25519.getPublicKey(sk);
      out.push({publicKey: hex(pub), signature: hex(ed25519.sign(msg, sk)),
        verifies: ed25519.verify(unhex(signature), msg, pub)});
    } else {
      // ES256 / ES256K: ECDSA over SHA-256, compact r||s; noble's defaults (lowS for secp256k1 only).
      const c = curve === 'secp256k1' ? secp256k1 : p256;
      const pub = c.getPublicKey(sk, true);
      const h = sha256(msg);
      out.push({publicKey: hex(pub), signature: hex(c.sign(h, sk).toCompactRawBytes()),
        verifies: c.verify(unhex(signature), h, pub)});
    }
  }
} else {
  throw new Error(`unknown op ${input.op}`);
}
process.stdout.write(JSON.stringify(out));
