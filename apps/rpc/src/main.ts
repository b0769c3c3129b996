import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { cableGrpcOptions } from '#libs/cable';
import { BroadcasterConfigError, resolveBroadcasterOptions } from '#libs/broadcaster';
import { checkPortsFree, splitHostPort } from './config/port-check.js';
import { loadRpcConfig, RpcConfigError } from './config/rpc-config.js';
import { loadHttpConfig } from './http/http-config.js';
import { RpcModule } from './rpc.module.js';

const logger = new Logger('RpcApp');

/**
 * A Nest hybrid app: the gRPC server the gateway calls and, when `RPC_HTTP_PORT` is set, an HTTP
 * server (platform-express) with the demo page and `GET /health`, sharing one module graph (the
 * comments endpoint and the channels use the same BroadcastService).
 */
async function bootstrap(): Promise<void> {
  const config = loadRpcConfig(process.env);
  const http = loadHttpConfig(process.env);
  // The broadcaster reads its ANYCABLE_* variables when its module is created; checking them here
  // refuses a bad value with one clear line instead of an injector stack trace.
  resolveBroadcasterOptions(undefined, process.env);
  const consoleLogger = new ConsoleLogger({
    logLevels: config.logLevels,
    json: config.logFormat === 'json',
    colors: config.logFormat === 'text' && process.stdout.isTTY === true,
  });
  Logger.overrideLogger(consoleLogger);
  const grpcAddress = splitHostPort(config.host);
  await checkPortsFree([
    ...(grpcAddress ? [{ ...grpcAddress, variable: 'ANYCABLE_RPC_HOST' }] : []),
    ...(http ? [{ host: http.host, port: http.port, variable: 'RPC_HTTP_PORT' }] : []),
  ]);
  if (!config.jwtSecret) logger.warn('JWT_SECRET is not set: every token is refused, only anonymous sessions connect');
  // abortOnError: false: a failing module init rejects here (exit 1 with the message) instead of aborting the process.
  const app = await NestFactory.create<NestExpressApplication>(RpcModule.register(config, http), {
    logger: consoleLogger,
    abortOnError: false,
  });
  app.connectMicroservice<MicroserviceOptions>(cableGrpcOptions({ url: config.host }));
  // SIGTERM/SIGINT close the gRPC server gracefully (calls in flight finish), the HTTP server, then the
  // broadcaster, and exit 0 (1 if closing failed).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  // Modules first (the cable module discovers its channels on init), then the gRPC server, then HTTP.
  await app.init();
  await app.startAllMicroservices();
  if (http) {
    app.disable('x-powered-by');
    await app.listen(http.port, http.host);
    const { port } = app.getHttpServer().address() as AddressInfo;
    const host = http.host.includes(':') ? `[${http.host}]` : http.host;
    const rpcOverHttp = http.httpRpc ? `, RPC over HTTP at ${http.httpRpc.path}${http.httpRpc.secret ? '' : ' without a secret'}` : '';
    logger.log(`HTTP server listening on http://${host}:${port} (demo page, /health${rpcOverHttp}; cable URL ${http.cableUrl})`);
  }
  logger.log(`RPC server listening on ${config.host}`);
}

bootstrap().catch((error: unknown) => {
  const cause = error instanceof Error ? error : new Error(String(error));
  // A configuration error is the operator's to fix: its message names the variable, a stack adds nothing.
  const isConfigError = cause instanceof RpcConfigError || cause instanceof BroadcasterConfigError;
  logger.error(`RPC app failed to start: ${cause.message}`, isConfigError ? undefined : cause.stack);
  // Exit even if something opened during init (a Redis connection) would keep the process alive.
  process.exit(1);
});
