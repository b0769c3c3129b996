import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed stream names, in the format anycable-go 1.6.0 verifies (`utils/message_verifier.go`), which
 * is Rails' `ActiveSupport::MessageVerifier` with SHA256 and the JSON serializer — also what
 * `Turbo.signed_stream_verifier` produces and what anycable-serverless-js' `signer` writes:
 *
 *   base64(JSON.stringify(name)) + "--" + hex(HMAC-SHA256(secret, that base64 text))
 *
 * Pure functions: no I/O. Shared by the gateway (verification) and the Nest side (signing), so both
 * ends agree byte for byte.
 */

/** Signs a stream name: standard base64 alphabet with padding, as anycable-go decodes it. */
export function signStreamName(stream: string, secret: string): string {
  const encoded = Buffer.from(JSON.stringify(stream)).toString('base64');
  return `${encoded}--${hmacHex(secret, encoded)}`;
}

/** Why a signed name was refused (for logs; the client only sees reject_subscription). */
export type SignedStreamError = 'malformed' | 'bad_signature' | 'not_a_string';

export type VerifiedStream = { ok: true; stream: string } | { ok: false; error: SignedStreamError };

const HEX_DIGEST = /^[0-9a-f]{64}$/;
/** Either base64 alphabet, padding optional: anycable-rb 1.6.4 signs URL-safe, Rails and anycable-go standard. */
const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Verifies `<base64>--<hex digest>` and returns the stream name it carries. The digest is checked
 * over the base64 text exactly as received (so any alphabet the signer used verifies), in constant
 * time; then the text is decoded in either base64 alphabet (anycable-go accepts only the standard
 * one, which rejects names signed by anycable-rb 1.6.4 whose base64 holds `-` or `_`). The value
 * must be a JSON string, as anycable-go requires.
 */
export function verifySignedStreamName(signed: string, secret: string): VerifiedStream {
  // The digest is hex, so the last `--` separates it even when URL-safe base64 contains `--`.
  const separator = signed.lastIndexOf('--');
  if (separator <= 0) return { ok: false, error: 'malformed' };
  const encoded = signed.slice(0, separator);
  const digest = signed.slice(separator + 2);
  if (!HEX_DIGEST.test(digest) || !BASE64_ANY.test(encoded)) return { ok: false, error: 'malformed' };
  const expected = Buffer.from(hmacHex(secret, encoded));
  if (!timingSafeEqual(expected, Buffer.from(digest))) return { ok: false, error: 'bad_signature' };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    return { ok: false, error: 'not_a_string' };
  }
  return typeof value === 'string' ? { ok: true, stream: value } : { ok: false, error: 'not_a_string' };
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}
