// Interop peer: @digitalbazaar/bbs-signatures (pure JS BBS, the library under bbs-2023-cryptosuite).
// stdin: {"op": "batch", "suite": "BLS12-381-SHA-256"|"BLS12-381-SHAKE-256", "requests": [{op, ...hex fields}]};
// ops: sign, verify, proofGen, proofVerify, keygen; stdout: one JSON array of results. Hex everywhere.
import * as bbs from "@digitalbazaar/bbs-signatures";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const req = JSON.parse(Buffer.concat(chunks).toString() || "{}");

const hex = (b) => Buffer.from(b).toString("hex");
const bin = (h) => new Uint8Array(Buffer.from(h ?? "", "hex"));
const ciphersuite = req.suite ?? "BLS12-381-SHA-256";

async function run(r) {
  switch (r.op) {
    case "keygen": {
      const kp = await bbs.generateKeyPair({ seed: r.seed ? bin(r.seed) : undefined, ciphersuite });
      return { secretKey: hex(kp.secretKey), publicKey: hex(kp.publicKey) };
    }
    case "sign":
      return {
        signature: hex(await bbs.sign({
          secretKey: bin(r.secretKey), publicKey: bin(r.publicKey), header: bin(r.header),
          messages: r.messages.map(bin), ciphersuite,
        })),
      };
    case "verify":
      return {
        verified: await bbs.verifySignature({
          publicKey: bin(r.publicKey), signature: bin(r.signature), header: bin(r.header),
          messages: r.messages.map(bin), ciphersuite,
        }),
      };
    case "proofGen":
      return {
        proof: hex(await bbs.deriveProof({
          publicKey: bin(r.publicKey), signature: bin(r.signature), header: bin(r.header),
          messages: r.messages.map(bin), presentationHeader: bin(r.presentationHeader),
          disclosedMessageIndexes: r.disclosedIndexes, ciphersuite,
        })),
      };
    case "proofVerify": {
      let verified;
      try {
        verified = await bbs.verifyProof({
          publicKey: bin(r.publicKey), proof: bin(r.proof), header: bin(r.header),
          presentationHeader: bin(r.presentationHeader), disclosedMessages: r.disclosedMessages.map(bin),
          disclosedMessageIndexes: r.disclosedIndexes, ciphersuite,
        });
      } catch (e) {
        return { verified: false, error: String(e?.message ?? e) };
      }
      return { verified };
    }
    default:
      throw new Error(`unknown op ${r.op}`);
  }
}

try {
  const out = [];
  for (const r of req.requests ?? []) out.push(await run(r));
  process.stdout.write(JSON.stringify(out) + "\n");
} catch (e) {
  process.stderr.write(String(e?.stack ?? e) + "\n");
  process.exit(1);
}
