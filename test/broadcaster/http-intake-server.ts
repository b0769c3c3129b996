import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the intake server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** How the server answers one request: a status, an optional body, an optional delay before answering. */
export interface IntakeAnswer {
  status: number;
  body?: string;
  delayMs?: number;
}

/** A real node:http server standing in for a gateway's `/_broadcast` endpoint in broadcaster tests. */
export interface HttpIntakeServer {
  /** `http://127.0.0.1:<port>/_broadcast`. */
  readonly url: string;
  /** Every request received so far, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Most requests the server held unanswered at the same time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/**
 * Starts the server; `answer` decides the response to each request (its index counts from 0).
 * Default: 201, as anycable-go answers an accepted broadcast.
 */
export async function startHttpIntake(
  answer: (request: RecordedRequest, index: number) => IntakeAnswer = () => ({ status: 201 }),
): Promise<HttpIntakeServer> {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const { status, body = '', delayMs = 0 } = answer(request, requests.length);
      requests.push(request);
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/_broadcast`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
