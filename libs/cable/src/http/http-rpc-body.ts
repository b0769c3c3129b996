import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * Largest request body read, after decompression: 100 KiB, the JSON body limit of Nest's default
 * parser that served these calls before. A Connect carries the URL, the headers the gateway passes on
 * (cookie by default) and the connection state: a few KB.
 */
export const MAX_HTTP_RPC_BODY_BYTES = 100 * 1024;

/** A request body read as JSON, or why it could not be, as an HTTP status and the error's JSON body. */
export type HttpRpcBody = { ok: true; value: unknown } | { ok: false; status: number; error: object };

/**
 * Reads a request body of RPC over HTTP as JSON, as Nest's default JSON parser (body-parser) did:
 * `application/json` in UTF-8, gzip / deflate / br accepted, at most {@link MAX_HTTP_RPC_BODY_BYTES};
 * an empty body reads as `{}`. Another content type, no body at all or a JSON value that is neither
 * an object nor an array reads as `undefined`, which the caller refuses as not a JSON object.
 * Refusals keep the parser's statuses and messages: 413, 415, 400 with the JSON.parse message.
 */
export function readHttpRpcBody(request: IncomingMessage): Promise<HttpRpcBody> {
  const { headers } = request;
  const type = parseContentType(headers['content-type']);
  if (type?.mediaType !== 'application/json' || (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined)) {
    request.resume();
    return Promise.resolve({ ok: true, value: undefined });
  }
  if (type.charset !== undefined && type.charset !== 'utf-8' && type.charset !== 'utf8') {
    return Promise.resolve(refusal(415, `unsupported charset "${type.charset.toUpperCase()}"`));
  }
  const encoding = (headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' && Number(headers['content-length']) > MAX_HTTP_RPC_BODY_BYTES) return Promise.resolve(refusal(413, 'request entity too large'));
  const source = decoded(request, encoding);
  if (!source) return Promise.resolve(refusal(415, `unsupported content encoding "${encoding}"`));
  return readAtMost(source, request).then((text) => (typeof text === 'string' ? parseJson(text) : text));
}

function decoded(request: IncomingMessage, encoding: string): Readable | null {
  switch (encoding) {
    case 'identity':
      return request;
    case 'gzip':
      return request.pipe(createGunzip());
    case 'deflate':
      return request.pipe(createInflate());
    case 'br':
      return request.pipe(createBrotliDecompress());
    default:
      return null;
  }
}

/** The body as text, or a refusal once it grows past the bound or fails to arrive / decompress. */
function readAtMost(source: Readable, request: IncomingMessage): Promise<string | HttpRpcBody> {
  // The listeners are anonymous on purpose: the bundle names every named closure (esbuild keepNames), per call.
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_HTTP_RPC_BODY_BYTES) chunks.push(chunk);
      else resolve(abandon(source, request, refusal(413, 'request entity too large')));
    });
    source.on('end', () => resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    // A request aborted by the client, or a body that does not decompress: the body parser's 400.
    source.on('error', (error: Error) => resolve(abandon(source, request, refusal(400, error.message))));
  });
}

/** Stops reading a body that will not be used: the rest is discarded as it arrives, so the connection stays usable for the answer. */
function abandon(source: Readable, request: IncomingMessage, outcome: HttpRpcBody): HttpRpcBody {
  source.removeAllListeners('data');
  if (source !== request) source.destroy();
  request.resume();
  return outcome;
}

/** JSON whitespace, then the first character of the value. */
const FIRST_CHARACTER = /^[\x20\x09\x0a\x0d]*(.)/;

function parseJson(text: string): HttpRpcBody {
  if (text === '') return { ok: true, value: {} };
  // Only an object or an array is parsed, as the strict parser did; anything else is not a JSON object.
  const first = text[0] === '{' ? '{' : FIRST_CHARACTER.exec(text)?.[1];
  if (first !== '{' && first !== '[') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, status: 400, error: { message, error: 'Bad Request', statusCode: 400 } };
  }
}

/** The error body Nest wrote for the body parser's http-errors: `{ statusCode, message }`. */
function refusal(status: number, message: string): HttpRpcBody {
  return { ok: false, status, error: { statusCode: status, message } };
}

/** Media type and charset of a Content-Type header (lower-cased); undefined without one. */
function parseContentType(header: string | undefined): { mediaType: string; charset: string | undefined } | undefined {
  if (header === undefined) return undefined;
  // The gateway and anycable-go send exactly this: skip the parameter parsing.
  if (header === 'application/json') return { mediaType: header, charset: undefined };
  const [mediaType = '', ...parameters] = header.split(';');
  let charset: string | undefined;
  for (const parameter of parameters) {
    const separator = parameter.indexOf('=');
    if (parameter.slice(0, separator).trim().toLowerCase() === 'charset') charset = parameter.slice(separator + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return { mediaType: mediaType.trim().toLowerCase(), charset };
}
