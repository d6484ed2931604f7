// Bitstring Status List interop peer: @digitalbazaar/vc-bitstring-status-list.
// stdin: {"op": "encode", "length": N, "set": [i, ...]}  -> {"encodedList": "u..."}
//        {"op": "decode", "encodedList": "u..."}          -> {"length": N, "set": [i, ...]}
//        {"op": "credential", "id": URL, "statusPurpose": P, "length": N, "set": [...]}
//                                                          -> unsigned BitstringStatusListCredential (their builder)
import {createList, decodeList, createCredential} from '@digitalbazaar/vc-bitstring-status-list';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function build(length, set) {
  const list = await createList({length});
  for (const i of set) list.setStatus(i, true);
  return list;
}

const input = await readStdin();
let out;
if (input.op === 'encode') {
  const list = await build(input.length, input.set);
  out = {encodedList: await list.encode()};
} else if (input.op === 'decode') {
  const list = await decodeList({encodedList: input.encodedList});
  const set = [];
  for (let i = 0; i < list.length; i++) if (list.getStatus(i)) set.push(i);
  out = {length: list.length, set};
} else if (input.op === 'credential') {
  const list = await build(input.length, input.set);
  out = await createCredential({id: input.id, list, statusPurpose: input.statusPurpose});
} else {
  throw new Error(`unknown op ${input.op}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
