// did:key interop peer: @web5/dids 1.2.0 DidKey (an independent implementation of the did:key spec).
// stdin: {"op": "resolve", "dids": [DID, ...], "options": {publicKeyFormat, enableEncryptionKeyDerivation}}
//          -> [{didDocument} | {error}]   (error = web5's DID resolution error code)
//        {"op": "create", "algorithms": ["Ed25519", "ES256K", "ES256"]}
//          -> [{did, didDocument, privateJwk}]
import { DidKey } from '@web5/dids';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

const input = await readStdin();
const out = [];
if (input.op === 'resolve') {
  for (const did of input.dids) {
    const r = await DidKey.resolve(did, input.options || {});
    out.push(r.didResolutionMetadata.error ? {error: r.didResolutionMetadata.error} : {didDocument: r.didDocument});
  }
} else if (input.op === 'create') {
  for (const algorithm of input.algorithms) {
    const did = await DidKey.create({options: {algorithm}});
    const portable = await did.export();
    out.push({did: did.uri, didDocument: did.document, privateJwk: portable.privateKeys[0]});
  }
} else {
  throw new Error(`unknown op ${input.op}`);
}
process.stdout.write(JSON.stringify(out));
