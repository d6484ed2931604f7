// Benchmark @docknetwork/crypto-wasm-ts 0.67.0: BBS (10 messages, 2 revealed) composite proof with one bound check
// (Bulletproofs++ or set-membership-check) on a hidden message, and optionally the same without a bound check.
// stdin: {"iterations": n, "min": a, "max": b, "value": x, "kind": "bpp" | "smc" | "none"}
// stdout: {"prove_ms": [...], "verify_ms": [...], "proof_bytes": n, "verified": bool}
import {
  initializeWasm, BBSSignatureParams, BBSKeypair, BBSSignature, MessageEncoder, BoundCheckBppParams, BoundCheckSmcParams,
  Statement, Statements, Witness, Witnesses, MetaStatements, WitnessEqualityMetaStatement, ProofSpec, CompositeProof,
} from '@docknetwork/crypto-wasm-ts';

const input = JSON.parse(await new Promise((res) => { let s = ''; process.stdin.on('data', (d) => { s += d; }); process.stdin.on('end', () => res(s)); }));
await initializeWasm();
const label = new TextEncoder().encode('iiotid bench');
const params = BBSSignatureParams.generate(10, label);
const kp = BBSKeypair.generate(params);
const msgs = [];
for (let i = 0; i < 10; i++) msgs.push(MessageEncoder.encodePositiveNumberForSigning(i === 2 ? input.value : 1000 + i));
const sig = BBSSignature.generate(msgs, kp.secretKey, params, false);
const revealed = new Map([[0, msgs[0]], [1, msgs[1]]]);
const unrevealed = new Map();
for (let i = 2; i < 10; i++) unrevealed.set(i, msgs[i]);
let rangeParams = null;
if (input.kind === 'bpp') rangeParams = new BoundCheckBppParams(label).decompress();
if (input.kind === 'smc') rangeParams = new BoundCheckSmcParams(label).decompress();

function spec(prover) {
  const st = new Statements();
  st.add(prover ? Statement.bbsSignatureProver(params, revealed, false)
    : Statement.bbsSignatureVerifier(params, kp.publicKey, revealed, false));
  const meta = new MetaStatements();
  if (input.kind === 'bpp') st.add(Statement.boundCheckBpp(input.min, input.max, rangeParams));
  if (input.kind === 'smc') st.add(Statement.boundCheckSmc(input.min, input.max, rangeParams));
  if (input.kind !== 'none') {
    const eq = new WitnessEqualityMetaStatement();
    eq.addWitnessRef(0, 2);
    eq.addWitnessRef(1, 0);
    meta.addWitnessEquality(eq);
  }
  return new ProofSpec(st, meta, []);
}
const proveMs = []; const verifyMs = []; let bytes = 0; let verified = true;
for (let k = 0; k < input.iterations; k++) {
  const nonce = new TextEncoder().encode(`nonce-${k}`);
  const t0 = performance.now();
  const ws = new Witnesses(Witness.bbsSignature(sig, unrevealed, false));
  if (input.kind === 'bpp') ws.add(Witness.boundCheckBpp(msgs[2]));
  if (input.kind === 'smc') ws.add(Witness.boundCheckSmc(msgs[2]));
  const proof = CompositeProof.generate(spec(true), ws, nonce);
  const t1 = performance.now();
  const res = proof.verify(spec(false), nonce);
  const t2 = performance.now();
  verified = verified && res.verified;
  proveMs.push(t1 - t0); verifyMs.push(t2 - t1); bytes = proof.bytes.length;
}
process.stdout.write(JSON.stringify({ prove_ms: proveMs, verify_ms: verifyMs, proof_bytes: bytes, verified }));
