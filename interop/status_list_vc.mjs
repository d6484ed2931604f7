// Signed Bitstring Status List credentials with Digital Bazaar's stack (vc 7, data-integrity, eddsa-rdfc-2022).
// stdin: {"op": "sign-list", "contexts": {url: doc}, "seedHex": 64 hex, "id": URL, "statusPurpose": P,
//         "length": N, "set": [i, ...]}                  -> their signed BitstringStatusListCredential
//        {"op": "check", "contexts": {url: doc}, "lists": {url: signed list VC}, "credential": VC}
//                                                         -> {"verified": bool, "statuses": [bool...], "error": str}
// Everything is offline: contexts come from the caller, did:key documents are derived from the key itself.
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import {createList, createCredential, checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function makeLoader(contexts, extra = {}) {
  return async url => {
    if (contexts[url]) return {contextUrl: null, documentUrl: url, document: contexts[url]};
    if (extra[url]) return {contextUrl: null, documentUrl: url, document: extra[url]};
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
let out;
if (input.op === 'sign-list') {
  const seed = Uint8Array.from(Buffer.from(input.seedHex, 'hex'));
  const keyPair = await Ed25519Multikey.generate({seed});
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  const list = await createList({length: input.length});
  for (const i of input.set) list.setStatus(i, true);
  const credential = await createCredential({id: input.id, list, statusPurpose: input.statusPurpose});
  credential.issuer = did;
  const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite: eddsaRdfc2022CryptoSuite});
  out = await vc.issue({credential, suite, documentLoader: makeLoader(input.contexts)});
} else if (input.op === 'check') {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const result = await checkStatus({
    credential: input.credential, suite, documentLoader: makeLoader(input.contexts, input.lists),
    verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true
  });
  out = {
    verified: result.verified,
    statuses: (result.results || []).map(r => r.status),
    error: result.error ? String(result.error.message || result.error) : null
  };
} else {
  throw new Error(`unknown op ${input.op}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
