// The signature primitives alone, per CPU-second of this process: node:crypto's crypto.verify next to
// crypto.subtle.verify for ES256, RS256 and EdDSA, on whichever runtime runs it (what crypto/default.ts
// chooses between). `node test/bench/runtimes/primitives.mjs`, `bun …`, `deno run -A …`. Not asserted.
/* global crypto, console, process */
import { Buffer } from 'node:buffer';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
const data = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0');
async function bench(name, fn, n) { for (let i=0;i<200;i++) await fn(); const t=process.cpuUsage(); for (let i=0;i<n;i++) await fn(); const u=process.cpuUsage(t); const ms=(u.user+u.system)/1000; // eslint-disable-next-line no-console -- the figures are the output
  console.log(name.padEnd(22), Math.round((n / ms) * 1000), '/cpu-s'); }
for (const [alg, type, opts, nodeParams, subtleImport, subtleVerify] of [
  ['ES256','ec',{namedCurve:'P-256'}, (k)=>({key:k, dsaEncoding:'ieee-p1363'}), {name:'ECDSA', namedCurve:'P-256'}, {name:'ECDSA', hash:'SHA-256'}],
  ['RS256','rsa',{modulusLength:2048}, (k)=>k, {name:'RSASSA-PKCS1-v1_5', hash:'SHA-256'}, {name:'RSASSA-PKCS1-v1_5'}],
  ['EdDSA','ed25519',{}, (k)=>k, {name:'Ed25519'}, {name:'Ed25519'}],
]) {
  const { privateKey, publicKey } = generateKeyPairSync(type, opts);
  const digest = alg === 'EdDSA' ? null : 'sha256';
  const sig = sign(digest, data, alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  const p = nodeParams(publicKey);
  const ck = await crypto.subtle.importKey('jwk', publicKey.export({format:'jwk'}), subtleImport, false, ['verify']);
  if (!verify(digest, data, p, sig) || !(await crypto.subtle.verify(subtleVerify, ck, sig, data))) throw new Error('bad ' + alg);
  await bench(alg + ' node:crypto', () => verify(digest, data, p, sig), alg === 'RS256' ? 20000 : 5000);
  await bench(alg + ' subtle', () => crypto.subtle.verify(subtleVerify, ck, sig, data), alg === 'RS256' ? 20000 : 5000);
}
