/**
 * Sender constraints at the fake issuer's token endpoint: a DPoP proof (RFC 9449 §5, checked as §4.3
 * says for a token request) makes a DPoP-bound token, and a client certificate on the mTLS endpoint
 * alias (RFC 8705 §3) a certificate-bound one.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify } from 'jose';
import { DPOP_PROOF_ALGORITHMS } from './dpop.js';

/** What the token request asks the token to be bound to, or why its proof was refused. */
export type TokenRequestBinding =
  | { kind: 'ok'; jkt: string | undefined; certificate: Buffer | undefined }
  | { kind: 'invalid_dpop_proof'; description: string };

// The list the metadata advertises (dpop_signing_alg_values_supported): only these are accepted.
const PROOF_ALGORITHMS: string[] = [...DPOP_PROOF_ALGORITHMS];
/** Seconds a token request proof stays acceptable. */
const PROOF_MAX_AGE = 300;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The DPoP header lines of the request (RFC 9449 §4.3: there must be at most one). */
function dpopHeaders(req: IncomingMessage): string[] {
  const values: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'dpop') values.push(req.rawHeaders[i + 1]!);
  return values;
}

async function proofThumbprint(proof: string, tokenEndpoint: string): Promise<string> {
  const header = decodeProtectedHeader(proof);
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (jwk === undefined || PRIVATE_MEMBERS.some((name) => Object.hasOwn(jwk, name))) throw new Error('the proof jwk must be a public key');
  const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: PROOF_ALGORITHMS, maxTokenAge: PROOF_MAX_AGE, clockTolerance: 5 });
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new Error('the proof has no jti');
  if (payload.htm !== 'POST') throw new Error('htm must be POST');
  if (payload.htu !== tokenEndpoint) throw new Error('htu must be the token endpoint');
  return calculateJwkThumbprint(jwk, 'sha256');
}

/**
 * Reads the sender constraints of a token request: the DPoP header (one, valid) and, on a TLS socket,
 * the client certificate.
 *
 * @example
 * ```ts
 * const binding = await tokenRequestBinding(req, 'http://127.0.0.1:9000/token');
 * ```
 */
export async function tokenRequestBinding(req: IncomingMessage, tokenEndpoint: string): Promise<TokenRequestBinding> {
  const proofs = dpopHeaders(req);
  const proof = proofs[0];
  let jkt: string | undefined;
  if (proofs.length > 1) return { kind: 'invalid_dpop_proof', description: 'more than one DPoP header' };
  if (proof !== undefined) {
    try {
      jkt = await proofThumbprint(proof, tokenEndpoint);
    } catch {
      return { kind: 'invalid_dpop_proof', description: 'the DPoP proof is invalid' };
    }
  }
  const socket = req.socket as Partial<TLSSocket>;
  const raw = socket.encrypted === true ? (socket.getPeerCertificate?.(false)?.raw as Buffer | undefined) : undefined;
  return { kind: 'ok', jkt, certificate: raw !== undefined && raw.length > 0 ? raw : undefined };
}
