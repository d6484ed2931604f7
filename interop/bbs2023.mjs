// bbs-2023 interop peer: Digital Bazaar's @digitalbazaar/bbs-2023-cryptosuite 2.x with @digitalbazaar/vc and
// @digitalbazaar/bls12-381-multikey. The documentLoader serves ONLY the contexts passed in (iiotid's bundled ones)
// plus did:key documents; nothing is fetched.
//
// stdin: {"op": "issue", "credential", "key": {"publicKeyMultibase", "secretKeyMultibase"}, "mandatoryPointers",
//         "contexts"}                                                   -> credential with a base proof
//        {"op": "derive", "credential", "selectivePointers", "presentationHeader"?: hex, "contexts"}
//                                                                       -> derived (reveal) credential
//        {"op": "verify", "credential", "contexts"}                     -> {"verified": bool, "error": str}
//        {"op": "bench", "n", ...issue fields, "selectivePointers"}     -> {"issueMs", "deriveMs", "verifyMs"}
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {
  createDiscloseCryptosuite, createSignCryptosuite, createVerifyCryptosuite
} from '@digitalbazaar/bbs-2023-cryptosuite';
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const DID_V1 = 'https://www.w3.org/ns/did/v1';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function didKey(url) {
  const did = url.split('#')[0];
  const mb = did.slice('did:key:'.length);
  const vm = {'@context': MULTIKEY_V1, id: `${did}#${mb}`, type: 'Multikey', controller: did, publicKeyMultibase: mb};
  const doc = {
    '@context': [DID_V1, MULTIKEY_V1], id: did,
    verificationMethod: [{id: vm.id, type: vm.type, controller: did, publicKeyMultibase: mb}],
    assertionMethod: [vm.id], authentication: [vm.id]
  };
  return url.includes('#') ? vm : doc;
}

function makeLoader(contexts) {
  return async url => {
    if(Object.prototype.hasOwnProperty.call(contexts, url)) {
      return {contextUrl: null, documentUrl: url, document: contexts[url]};
    }
    if(url.startsWith('did:key:')) return {contextUrl: null, documentUrl: url, document: didKey(url)};
    throw new Error(`documentLoader refuses ${url}`);
  };
}

async function keyPair(key) {
  const did = `did:key:${key.publicKeyMultibase}`;
  return Bls12381Multikey.from({
    '@context': MULTIKEY_V1, type: 'Multikey', id: `${did}#${key.publicKeyMultibase}`, controller: did,
    publicKeyMultibase: key.publicKeyMultibase, secretKeyMultibase: key.secretKeyMultibase
  });
}

async function issue({credential, key, mandatoryPointers = [], contexts}) {
  const kp = await keyPair(key);
  const suite = new DataIntegrityProof({
    signer: kp.signer(), cryptosuite: createSignCryptosuite({mandatoryPointers})
  });
  return vc.issue({credential: structuredClone(credential), suite, documentLoader: makeLoader(contexts)});
}

async function derive({credential, selectivePointers = [], presentationHeader = '', contexts}) {
  const suite = new DataIntegrityProof({
    cryptosuite: createDiscloseCryptosuite({
      selectivePointers, presentationHeader: Uint8Array.from(Buffer.from(presentationHeader, 'hex'))
    })
  });
  return vc.derive({verifiableCredential: credential, suite, documentLoader: makeLoader(contexts)});
}

async function verify({credential, contexts}) {
  const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});
  const r = await vc.verifyCredential({credential, suite, documentLoader: makeLoader(contexts)});
  const err = r.error || r.results?.find(x => x.error)?.error;
  return {verified: r.verified, error: err ? String(err.message || err) : ''};
}

const input = await readStdin();
let out;
if(input.op === 'issue') out = await issue(input);
else if(input.op === 'derive') out = await derive(input);
else if(input.op === 'verify') out = await verify(input);
else if(input.op === 'bench') {
  const t = () => performance.now();
  let base; let derived;
  const n = input.n || 20;
  base = await issue(input); derived = await derive({...input, credential: base}); await verify({...input, credential: derived});
  let t0 = t(); for(let i = 0; i < n; i++) base = await issue(input); const issueMs = (t() - t0) / n;
  t0 = t(); for(let i = 0; i < n; i++) derived = await derive({...input, credential: base}); const deriveMs = (t() - t0) / n;
  t0 = t(); for(let i = 0; i < n; i++) await verify({...input, credential: derived}); const verifyMs = (t() - t0) / n;
  out = {issueMs, deriveMs, verifyMs};
} else throw new Error(`unknown op ${input.op}`);
process.stdout.write(JSON.stringify(out));
