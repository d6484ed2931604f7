// RDFC-1.0 interop peer: rdf-canonize (the implementation under Digital Bazaar's jsonld-signatures stack).
// stdin: {"datasets": ["<N-Quads>", ...]} -> {"canonical": ["<canonical N-Quads>", ...]}
import canonize from 'rdf-canonize';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const input = await readStdin();
const canonical = [];
for(const text of input.datasets) {
  const dataset = canonize.NQuads.parse(text);
  canonical.push(await canonize.canonize(dataset, {algorithm: 'RDFC-1.0', format: 'application/n-quads', maxDeepIterations: 1000}));
}
process.stdout.write(JSON.stringify({canonical}) + '\n');
