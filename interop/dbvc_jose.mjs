// VC-JOSE interop peer: panva/jose (compact JWS, EdDSA and ES256).
// stdin: {"op": "verify", "token": "...", "jwk": {public JWK}, "alg": "EdDSA"|"ES256"}
//          -> {"verified": bool, "header": {...}, "payload": {...}, "error": str}
//        {"op": "sign", "payload": {...}, "jwk": {private JWK}, "alg": ..., "kid": ...} -> {"token": "..."}
import * as jose from 'jose';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const input = await readStdin();
let out;
if(input.op === 'verify') {
  try {
    const key = await jose.importJWK(input.jwk, input.alg);
    const {payload, protectedHeader} = await jose.compactVerify(input.token, key, {algorithms: [input.alg]});
    out = {verified: true, header: protectedHeader, payload: JSON.parse(new TextDecoder().decode(payload)), error: ''};
  } catch(e) {
    out = {verified: false, error: String(e.message || e)};
  }
} else if(input.op === 'sign') {
  const key = await jose.importJWK(input.jwk, input.alg);
  const bytes = new TextEncoder().encode(JSON.stringify(input.payload));
  const token = await new jose.CompactSign(bytes)
    .setProtectedHeader({alg: input.alg, kid: input.kid, typ: 'vc+jwt', cty: 'vc'})
    .sign(key);
  out = {token};
} else {
  throw new Error(`unknown op ${input.op}`);
}
process.stdout.write(JSON.stringify(out) + '\n');
