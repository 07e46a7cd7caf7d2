/**
 * X.509 certificates for tests of certificate-bound tokens (RFC 8705), made in the test process: a CA,
 * a server certificate for 127.0.0.1 and client certificates. Node reads certificates but has no
 * generator, so this writes the few DER structures RFC 5280 §4.1 needs (ECDSA P-256 keys, SHA-256
 * signatures) rather than pulling in an ASN.1 library for tests.
 */
import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), length(content.length), content]);
const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);
const bitString = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const TRUE = tlv(0x01, Buffer.from([0xff]));

function integer(value: Buffer): Buffer {
  return tlv(0x02, value[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(date: Date): Buffer {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after.
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

const name = (commonName: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(commonName))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [TRUE] : []), octetString(value));

function subjectAltName(names: readonly string[]): Buffer {
  return seq(
    ...names.map((entry) => {
      const ip = isIP(entry);
      if (ip === 4) return tlv(0x87, Buffer.from(entry.split('.').map(Number)));
      return tlv(0x82, Buffer.from(entry, 'ascii'));
    }),
  );
}

/**
 * A certificate and its private key, PEM-encoded as Node's `tls` options take them.
 *
 * @example
 * ```ts
 * const { cert, key, thumbprint } = ca.issue({ commonName: 'orders-service' });
 * ```
 */
export interface TestCertificate {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM (PKCS #8) private key. */
  readonly key: string;
  /** The certificate's DER bytes. */
  readonly der: Buffer;
  /** RFC 8705 §3.1 `x5t#S256`: base64url SHA-256 of the DER certificate, what `cnf` binds a token to. */
  readonly thumbprint: string;
}

/**
 * Options of {@link TestCertificateAuthority.issue}.
 *
 * @example
 * ```ts
 * ca.issue({ commonName: 'localhost', subjectAltNames: ['127.0.0.1', 'localhost'] });
 * ```
 */
export interface IssueCertificateOptions {
  commonName?: string;
  /** IPv4 addresses and DNS names; a server certificate for tests needs `'127.0.0.1'`. */
  subjectAltNames?: readonly string[];
  /** Validity from now, in seconds (negative for an expired one). Default one day. */
  lifetime?: number;
}

/**
 * A certificate authority for tests: its certificate (trust it as `ca`) and the certificates it issues.
 *
 * @example
 * ```ts
 * const ca = createTestCertificateAuthority();
 * const server = https.createServer({ ...ca.issue({ subjectAltNames: ['127.0.0.1'] }), ca: ca.cert, requestCert: true });
 * ```
 */
export interface TestCertificateAuthority extends TestCertificate {
  issue(options?: IssueCertificateOptions): TestCertificate;
}

function keyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function build(
  subject: string,
  issuer: string,
  subjectKey: KeyObject,
  signingKey: KeyObject,
  extensions: Buffer[],
  lifetime: number,
): Buffer {
  const now = Date.now();
  const serial = randomBytes(16);
  // Positive, and a first byte that is never 0: DER forbids a leading zero before a byte below 0x80,
  // and OpenSSL refuses such a certificate (one serial in 256 had it).
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_SHA256,
    name(issuer),
    seq(time(new Date(now - 60_000)), time(new Date(now + lifetime * 1000))),
    name(subject),
    subjectKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  return seq(tbs, ECDSA_SHA256, bitString(sign('sha256', tbs, signingKey)));
}

function finish(der: Buffer, privateKey: KeyObject): TestCertificate {
  const cert = new X509Certificate(der);
  return {
    cert: cert.toString(),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    der,
    thumbprint: createHash('sha256').update(der).digest('base64url'),
  };
}

/**
 * Makes a new self-signed CA (ECDSA P-256) that issues server and client certificates.
 *
 * @example
 * ```ts
 * const ca = createTestCertificateAuthority();
 * const client = ca.issue({ commonName: 'orders-service' });
 * ```
 */
export function createTestCertificateAuthority(commonName = 'Portcullis Test CA'): TestCertificateAuthority {
  const { privateKey, publicKey } = keyPair();
  const der = build(commonName, commonName, publicKey, privateKey, [extension('2.5.29.19', true, seq(TRUE))], 86_400);
  const ca = finish(der, privateKey);
  return {
    ...ca,
    issue(options: IssueCertificateOptions = {}): TestCertificate {
      const pair = keyPair();
      const extensions = [extension('2.5.29.19', true, seq())];
      const names = options.subjectAltNames ?? [];
      if (names.length > 0) extensions.push(extension('2.5.29.17', false, subjectAltName(names)));
      const issued = build(options.commonName ?? 'portcullis-test', commonName, pair.publicKey, privateKey, extensions, options.lifetime ?? 86_400);
      return finish(issued, pair.privateKey);
    },
  };
}

/**
 * A client certificate (self-signed, as RFC 8705 §2.2 allows) for certificate-bound tokens, when the
 * server under test does not check the chain. Use {@link createTestCertificateAuthority} when it does.
 *
 * @example
 * ```ts
 * const client = createClientCertificate();
 * const token = issuer.mint({}, { certificate: client });
 * ```
 */
export function createClientCertificate(commonName = 'portcullis-client'): TestCertificate {
  const { privateKey, publicKey } = keyPair();
  return finish(build(commonName, commonName, publicKey, privateKey, [extension('2.5.29.19', true, seq())], 86_400), privateKey);
}
