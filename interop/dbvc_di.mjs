// Data Integrity interop peer: Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022, eddsa-jcs-2022 and
// ecdsa-rdfc-2019 cryptosuites. The documentLoader serves ONLY the contexts passed in (the JSON files bundled
// with iiotid) plus did:key documents built from the key; nothing is fetched.
//
// stdin: {"op": "issue", "suite": S, "credential": {...}, "key": {"publicKeyMultibase", "secretKeyMultibase"},
//         "contexts": {url: doc}, "date"?: ISO}                                  -> signed credential
//        {"op": "verify", "suite": S, "credential": {...}, "contexts": {...}, "now"?: ISO}
//                                                                                -> {"verified": bool, "error": str}
//        {"op": "signPresentation", ..., "presentation", "challenge", "domain"?} -> signed presentation
//        {"op": "verifyPresentation", ..., "presentation", "challenge", "domain"?}
//                                                                                -> {"verified": bool, "error": str}
//        {"op": "bench", "suite": S, "n": N, ...issue fields}  -> {"issuePerSec", "verifyPerSec"}
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {createSignCryptosuite, createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const DID_V1 = 'https://www.w3.org/ns/did/v1';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function didKeyDocuments(url) {
  // did:key (W3C CCG did:key v0.9): the document is derived from the key; methods are Multikey.
  const did = url.split('#')[0];
  const mb = did.slice('did:key:'.length);
  const vm = {
    '@context': MULTIKEY_V1, id: `${did}#${mb}`, type: 'Multikey', controller: did, publicKeyMultibase: mb
  };
  const doc = {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [{id: vm.id, type: vm.type, controller: did, publicKeyMultibase: mb}],
    assertionMethod: [vm.id],
    authentication: [vm.id],
    capabilityInvocation: [vm.id],
    capabilityDelegation: [vm.id]
  };
  return url.includes('#') ? vm : doc;
}

function makeLoader(contexts) {
  return async url => {
    if(Object.prototype.hasOwnProperty.call(contexts, url)) {
      return {contextUrl: null, documentUrl: url, document: contexts[url]};
    }
    if(url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: didKeyDocuments(url)};
    }
    throw new Error(`documentLoader refuses ${url}`);
  };
}

function signSuite(name) {
  if(name === 'eddsa-rdfc-2022') return eddsaRdfc2022;
  if(name === 'ecdsa-rdfc-2019') return ecdsaRdfc2019;
  if(name === 'eddsa-jcs-2022') return createSignCryptosuite();
  throw new Error(`unknown suite ${name}`);
}

function verifySuite(name) {
  if(name === 'eddsa-jcs-2022') return createVerifyCryptosuite();
  return signSuite(name);
}

async function keyPair(suiteName, key) {
  const did = `did:key:${key.publicKeyMultibase}`;
  const lib = suiteName === 'ecdsa-rdfc-2019' ? EcdsaMultikey : Ed25519Multikey;
  return lib.from({
    '@context': MULTIKEY_V1,
    type: 'Multikey',
    id: `${did}#${key.publicKeyMultibase}`,
    controller: did,
    publicKeyMultibase: key.publicKeyMultibase,
    secretKeyMultibase: key.secretKeyMultibase
  });
}

async function issue(input, documentLoader) {
  const kp = await keyPair(input.suite, input.key);
  const suite = new DataIntegrityProof({signer: kp.signer(), cryptosuite: signSuite(input.suite)});
  if(input.date) suite.date = input.date;
  return vc.issue({credential: input.credential, suite, documentLoader});
}

function flattenError(result) {
  const errs = [];
  const walk = e => {
    if(!e) return;
    if(Array.isArray(e)) return e.forEach(walk);
    errs.push(e.message || String(e));
    if(e.errors) walk(e.errors);
  };
  walk(result.error);
  for(const r of result.results || []) walk(r.error);
  for(const r of result.credentialResults || []) walk(r.error);
  return errs.join('; ');
}

async function verify(input, documentLoader) {
  const suite = new DataIntegrityProof({cryptosuite: verifySuite(input.suite)});
  const now = input.now ? new Date(input.now) : undefined;
  // "skipStatus": benchmark only, to time the same work as iiotid's verify (status lists are checked separately).
  const checkStatus = input.skipStatus ? async () => ({verified: true}) : undefined;
  const result = await vc.verifyCredential({credential: input.credential, suite, documentLoader, now, checkStatus});
  return {verified: result.verified, error: result.verified ? '' : flattenError(result)};
}

const input = await readStdin();
const documentLoader = makeLoader(input.contexts || {});
let out;
if(input.op === 'issue') {
  out = await issue(input, documentLoader);
} else if(input.op === 'verify') {
  out = await verify(input, documentLoader);
} else if(input.op === 'signPresentation') {
  const kp = await keyPair(input.suite, input.key);
  const suite = new DataIntegrityProof({signer: kp.signer(), cryptosuite: signSuite(input.suite)});
  out = await vc.signPresentation({
    presentation: input.presentation, suite, challenge: input.challenge, domain: input.domain, documentLoader
  });
} else if(input.op === 'verifyPresentation') {
  const suite = new DataIntegrityProof({cryptosuite: verifySuite(input.suite)});
  const result = await vc.verify({
    presentation: input.presentation, suite, challenge: input.challenge, domain: input.domain, documentLoader
  });
  out = {verified: result.verified, error: result.verified ? '' : flattenError(result)};
} else if(input.op === 'bench') {
  // Issue then verify N credentials sequentially on one core; report operations per second for each.
  const n = input.n || 200;
  const signed = [];
  let t0 = process.hrtime.bigint();
  for(let i = 0; i < n; i++) {
    const credential = structuredClone(input.credential);
    credential.id = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    signed.push(await issue({...input, credential}, documentLoader));
  }
  const issueSec = Number(process.hrtime.bigint() - t0) / 1e9;
  t0 = process.hrtime.bigint();
  let ok = 0;
  for(const credential of signed) {
    const r = await verify({...input, credential}, documentLoader);
    if(r.verified) ok++;
  }
  const verifySec = Number(process.hrtime.bigint() - t0) / 1e9;
  out = {n, verified: ok, issuePerSec: n / issueSec, verifyPerSec: n / verifySec};
} else {
  throw new Error(`unknown op ${input.op}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
