// Interop peer: @mattrglobal/pairing-crypto (wasm build of MATTR's Rust pairing_crypto) BBS operations.
// stdin: {"op": "sign"|"verify"|"proofGen"|"proofVerify"|"keygen", "suite": "BLS12-381-SHA-256"|"BLS12-381-SHAKE-256",
//         ...hex fields}; stdout: one JSON value. Hex everywhere.
import { bbs } from "@mattrglobal/pairing-crypto";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const req = JSON.parse(Buffer.concat(chunks).toString() || "{}");

const hex = (b) => Buffer.from(b).toString("hex");
const bin = (h) => new Uint8Array(Buffer.from(h ?? "", "hex"));
const suite = req.suite === "BLS12-381-SHAKE-256" ? bbs.bls12381_shake256 : bbs.bls12381_sha256;

async function run(r) {
  switch (r.op) {
    case "keygen": {
      const kp = await suite.generateKeyPair(
        r.ikm ? { ikm: bin(r.ikm), keyInfo: bin(r.keyInfo) } : undefined,
      );
      return { secretKey: hex(kp.secretKey), publicKey: hex(kp.publicKey) };
    }
    case "sign": {
      const sig = await suite.sign({
        secretKey: bin(r.secretKey),
        publicKey: bin(r.publicKey),
        header: bin(r.header),
        messages: r.messages.map(bin),
      });
      return { signature: hex(sig) };
    }
    case "verify": {
      const res = await suite.verify({
        publicKey: bin(r.publicKey),
        header: bin(r.header),
        signature: bin(r.signature),
        messages: r.messages.map(bin),
      });
      return { verified: res.verified, error: res.error ?? null };
    }
    case "proofGen": {
      const reveal = new Set(r.disclosedIndexes);
      const proof = await suite.deriveProof({
        publicKey: bin(r.publicKey),
        header: bin(r.header),
        presentationHeader: bin(r.presentationHeader),
        signature: bin(r.signature),
        verifySignature: false,
        messages: r.messages.map((m, i) => ({ value: bin(m), reveal: reveal.has(i) })),
      });
      return { proof: hex(proof) };
    }
    case "proofVerify": {
      const messages = {};
      for (const [i, m] of Object.entries(r.disclosedMessages)) messages[Number(i)] = bin(m);
      const res = await suite.verifyProof({
        publicKey: bin(r.publicKey),
        header: bin(r.header),
        presentationHeader: bin(r.presentationHeader),
        proof: bin(r.proof),
        messages,
      });
      return { verified: res.verified, error: res.error ?? null };
    }
    case "bench": {
      // Times MATTR's own loop: median milliseconds of `iterations` runs of each operation.
      const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const time = async (f) => {
        await f();
        const xs = [];
        for (let i = 0; i < r.iterations; i++) {
          const t0 = process.hrtime.bigint();
          await f();
          xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        return median(xs);
      };
      const kp = await suite.generateKeyPair();
      const messages = Array.from({ length: r.messages }, (_, i) => new TextEncoder().encode(`message ${i}`));
      const header = new TextEncoder().encode("bench-header");
      const presentationHeader = new TextEncoder().encode("bench-ph");
      const reveal = new Set(Array.from({ length: r.revealed }, (_, i) => i));
      const signature = await suite.sign({ secretKey: kp.secretKey, publicKey: kp.publicKey, header, messages });
      const dp = {
        publicKey: kp.publicKey, header, presentationHeader, signature, verifySignature: false,
        messages: messages.map((m, i) => ({ value: m, reveal: reveal.has(i) })),
      };
      const proof = await suite.deriveProof(dp);
      const revealed = {};
      for (const i of reveal) revealed[i] = messages[i];
      const out = {
        sign: await time(() => suite.sign({ secretKey: kp.secretKey, publicKey: kp.publicKey, header, messages })),
        verify: await time(() => suite.verify({ publicKey: kp.publicKey, header, signature, messages })),
        proofGen: await time(() => suite.deriveProof(dp)),
        proofVerify: await time(() =>
          suite.verifyProof({ publicKey: kp.publicKey, header, presentationHeader, proof, messages: revealed })),
      };
      const ok = await suite.verifyProof({ publicKey: kp.publicKey, header, presentationHeader, proof, messages: revealed });
      if (!ok.verified) throw new Error("MATTR proof did not verify in the benchmark");
      return out;
    }
    case "batch":
      return Promise.all(r.requests.map((x) => run({ suite: req.suite, ...x })));
    default:
      throw new Error(`unknown op ${r.op}`);
  }
}

try {
  process.stdout.write(JSON.stringify(await run(req)) + "\n");
} catch (e) {
  process.stderr.write(String(e?.stack ?? e) + "\n");
  process.exit(1);
}
