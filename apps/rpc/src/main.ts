import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { cableGrpcOptions } from '#libs/cable';
import { loadRpcConfig } from './config/rpc-config.js';
import { RpcModule } from './rpc.module.js';

const logger = new Logger('RpcApp');

async function bootstrap(): Promise<void> {
  const config = loadRpcConfig(process.env);
  const consoleLogger = new ConsoleLogger({
    logLevels: config.logLevels,
    json: config.logFormat === 'json',
    colors: config.logFormat === 'text' && process.stdout.isTTY === true,
  });
  Logger.overrideLogger(consoleLogger);
  if (!config.jwtSecret) logger.warn('JWT_SECRET is not set: every token is refused, only anonymous sessions connect');
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(RpcModule.register(config), {
    ...cableGrpcOptions({ url: config.host }),
    logger: consoleLogger,
  });
  // SIGTERM/SIGINT close the gRPC server gracefully (calls in flight finish), then the broadcaster,
  // and exit 0 (1 if closing failed).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen();
  logger.log(`RPC server listening on ${config.host}`);
}

bootstrap().catch((error: unknown) => {
  const cause = error instanceof Error ? error : new Error(String(error));
  logger.error(`RPC app failed to start: ${cause.message}`, cause.stack);
  // Exit even if something opened during init (a Redis connection) would keep the process alive.
  process.exit(1);
});
