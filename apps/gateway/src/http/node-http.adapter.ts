import { createHash } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { NestApplicationOptions, RequestMethod } from '@nestjs/common';
import { AbstractHttpAdapter } from '@nestjs/core';

/** Asks listen(2) for the most it allows: Linux and the BSDs cap the value at their somaxconn. */
const SYSTEM_MAXIMUM_BACKLOG = 65_535;

type Handler = (request: IncomingMessage, response: ServerResponse, next: () => void) => unknown;
type ErrorHandler = (error: unknown, request: IncomingMessage, response: ServerResponse, next: () => void) => unknown;

/** One registered route: a method (null: any) and a path, matched whole or as a prefix (`use`). */
interface Route {
  readonly method: string | null;
  /** Lower-cased, without a trailing slash. */
  readonly path: string;
  readonly prefix: boolean;
  readonly handler: Handler;
}

/**
 * Nest's HTTP adapter for the gateway, on node:http alone. The gateway declares no controllers: its
 * endpoints (health, metrics, broadcast, presence, SSE, the refusal on WebSocket paths) are plain
 * `(request, response)` handlers routed by exact path. Express and its middleware stack were the
 * largest part of the gateway's start (`--cpu-prof`: evaluating express, body-parser, mime-db, and
 * 1.5 MB of bundle to compile) for none of its features.
 *
 * Routing keeps what Express 5 did for these paths, so the HTTP surface is unchanged: paths match
 * case-insensitively with an optional trailing slash, the query is ignored, `get` also answers HEAD,
 * `use(path)` matches the path and what is under it and hands the handler the rest as `request.url`;
 * routes are tried in registration order. What matches no route goes to Nest's not-found handler
 * (404, `{"message":"Cannot GET /x","error":"Not Found","statusCode":404}`), a handler that throws or
 * rejects to Nest's exception layer (500), both answered as Express answered them (reply()).
 */
export class NodeHttpAdapter extends AbstractHttpAdapter {
  private readonly routes: Route[] = [];
  private notFound: Handler = (_request, response) => {
    response.statusCode = 404;
    response.end();
  };
  private onError: ErrorHandler | null = null;

  /**
   * @param backlog connections the kernel may queue before they are accepted (`listen_backlog`;
   *   0 asks for the system maximum: the kernel caps what it is given at net.core.somaxconn).
   */
  constructor(private readonly backlog = 0) {
    super({});
  }

  override initHttpServer(options: NestApplicationOptions): void {
    const listener: RequestListener = (request, response) => this.dispatch(request, response);
    this.httpServer = options?.httpsOptions ? createTlsServer(options.httpsOptions, listener) : createServer(listener);
  }

  /** Nest calls it as listen(port, [host,] callback); the backlog is ours (see the constructor). */
  override listen(port: number | string, ...args: unknown[]): unknown {
    const host = args.find((arg): arg is string => typeof arg === 'string');
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    const backlog = this.backlog > 0 ? this.backlog : SYSTEM_MAXIMUM_BACKLOG;
    return (this.httpServer as ReturnType<typeof createServer>).listen({ port: Number(port), host, backlog }, callback);
  }

  override get(path: unknown, handler?: unknown): void {
    this.route('GET', path, handler);
  }

  override post(path: unknown, handler?: unknown): void {
    this.route('POST', path, handler);
  }

  override all(path: unknown, handler?: unknown): void {
    this.route(null, path, handler);
  }

  override use(path: unknown, handler?: unknown): void {
    if (typeof path === 'function') this.routes.push({ method: null, path: '', prefix: true, handler: path as Handler });
    else this.routes.push({ method: null, path: normalized(String(path)), prefix: true, handler: handler as Handler });
  }

  setNotFoundHandler(handler: Handler): void {
    this.notFound = handler;
  }

  setErrorHandler(handler: ErrorHandler): void {
    this.onError = handler;
  }

  /** As Express's `res.status().json()` / `.send()`: JSON for objects, text/html otherwise, with length and weak ETag. */
  reply(response: ServerResponse, body: unknown, statusCode?: number): void {
    if (statusCode !== undefined) response.statusCode = statusCode;
    const isJson = body !== null && typeof body === 'object';
    const text = body === undefined || body === null ? '' : isJson ? JSON.stringify(body) : String(body);
    if (!response.hasHeader('content-type')) response.setHeader('Content-Type', isJson ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8');
    const length = Buffer.byteLength(text);
    response.setHeader('Content-Length', length);
    response.setHeader('ETag', weakEtag(text, length));
    response.end(text);
  }

  status(response: ServerResponse, statusCode: number): void {
    response.statusCode = statusCode;
  }

  end(response: ServerResponse, message?: string): void {
    response.end(message);
  }

  isHeadersSent(response: ServerResponse): boolean {
    return response.headersSent;
  }

  getHeader(response: ServerResponse, name: string): unknown {
    return response.getHeader(name);
  }

  setHeader(response: ServerResponse, name: string, value: string): void {
    response.setHeader(name, value);
  }

  appendHeader(response: ServerResponse, name: string, value: string): void {
    response.appendHeader(name, value);
  }

  getRequestHostname(request: IncomingMessage): string {
    return (request.headers.host ?? '').replace(/:\d+$/, '');
  }

  getRequestMethod(request: IncomingMessage): string {
    return request.method ?? 'GET';
  }

  getRequestUrl(request: IncomingMessage): string {
    return request.url ?? '/';
  }

  getType(): string {
    return 'node-http';
  }

  /** Body parsing is off for the gateway (its endpoints read their own bodies, bounded). */
  registerParserMiddleware(): void {}

  // What follows serves features the gateway does not use (controllers, middleware, views, CORS,
  // versioning): asking for one is a programming error, reported as such.
  createMiddlewareFactory(_method: RequestMethod): never {
    return unsupported('middleware');
  }

  enableCors(): never {
    return unsupported('enableCors');
  }

  applyVersionFilter(): never {
    return unsupported('versioning');
  }

  redirect(): never {
    return unsupported('redirect');
  }

  render(): never {
    return unsupported('views');
  }

  setViewEngine(): never {
    return unsupported('views');
  }

  useStaticAssets(): never {
    return unsupported('static assets');
  }

  override close(): Promise<void> {
    const server = this.httpServer as ReturnType<typeof createServer> | undefined;
    if (!server?.listening) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  private route(method: string | null, path: unknown, handler: unknown): void {
    this.routes.push({ method, path: normalized(String(path)), prefix: false, handler: handler as Handler });
  }

  private dispatch(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '/';
    const pathname = normalized(pathnameOf(url));
    const method = request.method ?? 'GET';
    for (const route of this.routes) {
      if (route.method !== null && route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
      if (route.prefix) {
        if (route.path !== '' && pathname !== route.path && !pathname.startsWith(`${route.path}/`)) continue;
        // As Express's `use(path)`: the handler sees what follows the mount path.
        if (route.path !== '') request.url = withLeadingSlash(url.slice(mountLength(url, route.path)));
      } else if (pathname !== route.path) continue;
      this.run(route.handler, request, response);
      return;
    }
    this.run(this.notFound, request, response);
  }

  private run(handler: Handler, request: IncomingMessage, response: ServerResponse): void {
    const failed = (error: unknown): void => {
      if (this.onError) void this.onError(error, request, response, () => undefined);
      else if (!response.headersSent) {
        response.statusCode = 500;
        response.end(STATUS_CODES[500]);
      }
    };
    try {
      const result = handler(request, response, () => undefined);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}

/** The path of a request target (origin or absolute form), without the query, as Express's parseurl reads it. */
function pathnameOf(url: string): string {
  if (url.startsWith('/')) {
    const query = url.indexOf('?');
    return query === -1 ? url : url.slice(0, query);
  }
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** Lower case, one trailing slash dropped (Express 5's defaults: `caseSensitive: false`, `strict: false`). */
function normalized(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/** Where the mount path ends in the raw URL (origin form: its length; absolute form: after the authority). */
function mountLength(url: string, mountPath: string): number {
  if (url.startsWith('/')) return mountPath.length;
  const authorityEnd = url.indexOf('/', url.indexOf('//') + 2);
  return authorityEnd === -1 ? url.length : authorityEnd + mountPath.length;
}

function withLeadingSlash(rest: string): string {
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** The `etag` package's weak ETag, as Express adds to what `res.send` answers. */
function weakEtag(body: string, length: number): string {
  if (length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  return `W/"${length.toString(16)}-${createHash('sha1').update(body, 'utf8').digest('base64').slice(0, 27)}"`;
}

function unsupported(feature: string): never {
  throw new Error(`the gateway's HTTP adapter does not support ${feature}`);
}
