// Interop peer for the resolver's gateway tests: drives @web5/dids 1.2.0 DidDht against OUR HTTP gateway.
// stdin: {"action": "create", "gatewayUri": "http://127.0.0.1:PORT/", "services"?: [...], "types"?: [...]}
//        {"action": "resolve", "did": "did:dht:...", "gatewayUri": "http://127.0.0.1:PORT/"}
// stdout: create  -> {"did", "document", "metadata"}  (metadata.published = the gateway answered 2xx)
//         resolve -> the web5 DID resolution result {didDocument, didDocumentMetadata, didResolutionMetadata}
import { DidDht } from '@web5/dids';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

const input = await readStdin();
let out;
if (input.action === 'create') {
  const options = { publish: true, gatewayUri: input.gatewayUri };
  if (input.services) options.services = input.services;
  if (input.types) options.types = input.types;
  const did = await DidDht.create({ options });
  out = { did: did.uri, document: did.document, metadata: did.metadata };
} else if (input.action === 'resolve') {
  out = await DidDht.resolve(input.did, { gatewayUri: input.gatewayUri });
} else {
  throw new Error(`unknown action ${input.action}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
