// IIoT vocabulary credentials through Digital Bazaar's stack (vc 7 + data-integrity + eddsa-rdfc-2022, jsonld.js in
// safe mode): proves the bundled https://w3id.org/iiotid/v1 context canonicalises identically in jsonld.js.
// stdin: {"op": "verify", "contexts": {url: doc}, "credential": VC}        -> {"verified": bool, "error": str|null}
//        {"op": "sign", "contexts": {...}, "seedHex": 64 hex, "credential": unsigned VC (issuer filled in here)}
//                                                                           -> signed VC
//        {"op": "canonize", "contexts": {...}, "document": doc}             -> {"nquads": "..."}
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function makeLoader(contexts) {
  return async url => {
    if (contexts[url]) return {contextUrl: null, documentUrl: url, document: contexts[url]};
    if (url.startsWith('did:key:')) {
      const [did, fragment] = url.split('#');
      const fp = did.slice('did:key:'.length);
      const key = await Ed25519Multikey.from({
        '@context': 'https://w3id.org/security/multikey/v1',
        type: 'Multikey', id: `${did}#${fp}`, controller: did, publicKeyMultibase: fp
      });
      const vm = await key.export({publicKey: true, includeContext: true});
      if (fragment) return {contextUrl: null, documentUrl: url, document: vm};
      const {'@context': _ignored, ...bare} = vm;
      return {
        contextUrl: null, documentUrl: url,
        document: {
          '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
          id: did, verificationMethod: [bare], assertionMethod: [bare.id], authentication: [bare.id]
        }
      };
    }
    throw new Error(`document not available offline: ${url}`);
  };
}

const input = await readStdin();
const documentLoader = makeLoader(input.contexts);
let out;
if (input.op === 'verify') {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const result = await vc.verifyCredential({credential: input.credential, suite, documentLoader});
  const err = result.error && (result.error.errors ? result.error.errors[0] : result.error);
  out = {verified: result.verified, error: err ? String(err.message || err) : null};
} else if (input.op === 'sign') {
  const seed = Uint8Array.from(Buffer.from(input.seedHex, 'hex'));
  const keyPair = await Ed25519Multikey.generate({seed});
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  const credential = {...input.credential, issuer: did};
  const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022CryptoSuite});
  out = await vc.issue({credential, suite, documentLoader});
} else if (input.op === 'canonize') {
  const nquads = await jsonld.canonize(input.document, {
    algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true
  });
  out = {nquads};
} else {
  throw new Error(`unknown op ${input.op}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
