import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { HttpRpcEndpoint } from './http-rpc.endpoint.js';

/**
 * Puts the {@link HttpRpcEndpoint} in front of the app's HTTP framework on Nest's own HTTP server:
 * the server's `request` listener (the Express or Fastify app) gets every request the endpoint does
 * not take. A route or middleware would run after the framework's router and body parser, which
 * cost more than the call; a second port would be one more thing to configure.
 */
@Injectable()
export class HttpRpcMount implements OnModuleInit {
  private readonly logger = new Logger('Cable');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly endpoint: HttpRpcEndpoint,
  ) {}

  /** The HTTP server exists from `NestFactory.create` on; it starts listening only after init. */
  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) {
      this.logger.warn('httpRpc is set but the app has no HTTP server (NestFactory.create makes one): RPC over HTTP is not served');
      return;
    }
    const framework = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (this.endpoint.serve(request, response)) return;
      for (const listener of framework) listener.call(server, request, response);
    });
  }
}
