import { createServer, type Server } from 'node:http';
import type { HttpServer } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';

/** Minimal request/response shapes shared by Express and node:http. */
interface Reply {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * GET health_path (200 + JSON while serving, 503 while shutting down) and, when metrics_http is
 * set, the Prometheus text endpoint — on the main server, or on metrics_host:metrics_port.
 */
export class HttpEndpoints {
  private shuttingDown = false;
  private metricsServer: Server | null = null;

  constructor(
    private readonly config: GatewayConfig,
    private readonly stats: GatewayStats,
    /** Null when metrics are not served (metrics_http unset): prom-client is then not loaded. */
    private readonly metrics: Registry | null,
    private readonly logger: GatewayLogger,
  ) {}

  /** Routes on the application's HTTP adapter (call before the app starts listening). */
  register(http: HttpServer): void {
    // anycable-go names no framework in its answers; neither do we.
    (http.getInstance() as { disable?(setting: string): unknown }).disable?.('x-powered-by');
    http.get(this.config.healthPath, (_request: unknown, reply: Reply) => this.health(reply));
    // A plain request on a WebSocket path (a browser opening ws://.../cable as a page) gets what
    // anycable-go answers (its ws/handler.go upgrades with gorilla/websocket, whose refusal is
    // `400 Bad Request` with `Sec-WebSocket-Version: 13`), not a JSON 404. Upgrades never reach here.
    for (const path of this.config.paths) {
      if (this.config.sse.enabled && this.config.sse.path === path) continue; // EventSource clients GET it
      http.all(path, (_request: unknown, reply: Reply) => notAnUpgrade(reply));
    }
    const registry = this.metrics;
    if (registry && this.config.metrics.httpPath && !this.separateMetricsServer) {
      http.get(this.config.metrics.httpPath, (_request: unknown, reply: Reply) => void this.scrape(registry, reply));
    }
  }

  /** A separate metrics server when metrics_port differs from the main port. */
  async listenMetrics(): Promise<void> {
    const registry = this.metrics;
    if (!registry || !this.config.metrics.httpPath || !this.separateMetricsServer) return;
    const path = this.config.metrics.httpPath;
    const server = createServer((request, reply) => {
      if (request.method === 'GET' && (request.url ?? '').split('?')[0] === path) void this.scrape(registry, reply);
      else {
        reply.statusCode = 404;
        reply.end('not found');
      }
    });
    this.metricsServer = server;
    const host = this.config.metrics.host || this.config.host;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.config.metrics.port, host, resolve));
    this.logger.info({ host, port: this.config.metrics.port, path }, 'Metrics server listening');
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async close(): Promise<void> {
    const server = this.metricsServer;
    this.metricsServer = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private get separateMetricsServer(): boolean {
    return this.config.metrics.port > 0 && this.config.metrics.port !== this.config.port;
  }

  private health(reply: Reply): void {
    const memory = process.memoryUsage();
    const gauges = Object.fromEntries(this.stats.gaugeNames().map((name) => [name, this.stats.gauge(name)]));
    reply.statusCode = this.shuttingDown ? 503 : 200;
    reply.setHeader('content-type', 'application/json');
    reply.end(
      JSON.stringify({
        status: this.shuttingDown ? 'shutting_down' : 'ok',
        ...gauges,
        memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external },
        uptime: Math.round(process.uptime()),
      }),
    );
  }

  private async scrape(registry: Registry, reply: Reply): Promise<void> {
    try {
      const text = await registry.metrics();
      reply.statusCode = 200;
      reply.setHeader('content-type', registry.contentType);
      reply.end(text);
    } catch (error) {
      this.logger.error({ err: (error as Error).message }, 'metrics collection failed');
      reply.statusCode = 500;
      reply.end('metrics collection failed');
    }
  }
}

function notAnUpgrade(reply: Reply): void {
  reply.statusCode = 400;
  reply.setHeader('sec-websocket-version', '13');
  reply.setHeader('content-type', 'text/plain; charset=utf-8');
  reply.end('Bad Request: this is a WebSocket endpoint (Action Cable protocol); connect with a WebSocket client\n');
}
