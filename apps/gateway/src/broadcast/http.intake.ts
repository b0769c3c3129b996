import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpServer } from '@nestjs/common';
import type { HttpBroadcastConfig } from '../config/gateway-config.js';
import { BroadcastEndpoint } from '../http/broadcast-endpoint.js';
import type { GatewayLogger } from '../log/logger.js';
import type { BroadcastIntake, BroadcastSink } from './broadcast-intake.js';

/**
 * anycable-go's `http` broadcast adapter: `POST http_broadcast_path` (see BroadcastEndpoint), on the
 * main server (`http_broadcast_port` 0 or equal to the main port), else on its own server. Each
 * publication reaches the one gateway the request went to, which relays it to the others.
 */
export class HttpIntake implements BroadcastIntake {
  readonly name = 'http';
  readonly fanout = false;
  private readonly endpoint: BroadcastEndpoint;
  private sink: BroadcastSink | null = null;
  private server: Server | null = null;

  constructor(
    private readonly config: HttpBroadcastConfig,
    private readonly main: { host: string; port: number },
    private readonly logger: GatewayLogger,
  ) {
    this.endpoint = new BroadcastEndpoint(config, logger);
  }

  get onMainServer(): boolean {
    return this.config.port === 0 || this.config.port === this.main.port;
  }

  /** Routes the path on the application's HTTP adapter (before it listens); no-op with a separate port. */
  mount(http: HttpServer): void {
    if (!this.onMainServer) return;
    http.all(this.config.path, (request: IncomingMessage, response: ServerResponse) => this.endpoint.handle(request, response, this.sink));
  }

  async start(sink: BroadcastSink): Promise<void> {
    this.sink = sink;
    let where = `the main server (port ${this.main.port})`;
    if (!this.onMainServer) {
      const server = createServer((request, response) => {
        if ((request.url ?? '').split('?')[0] === this.config.path) this.endpoint.handle(request, response, this.sink);
        else {
          response.statusCode = 404;
          response.end('not found');
        }
      });
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.config.port, this.main.host, resolve));
      this.server = server;
      where = `${this.main.host}:${(server.address() as AddressInfo).port}`;
    }
    const accepting = `Accept broadcast requests at POST ${this.config.path} on ${where}`;
    if (this.config.key) this.logger.info({ intake: 'http' }, `${accepting} (authorization required)`);
    else this.logger.warn({ intake: 'http' }, `${accepting} (no authorization: set broadcast_key or secret)`);
  }

  async stop(): Promise<void> {
    this.sink = null;
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
