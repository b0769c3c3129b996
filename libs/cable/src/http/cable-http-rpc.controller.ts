import { timingSafeEqual } from 'node:crypto';
import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  Post,
  UnauthorizedException,
  type Type,
} from '@nestjs/common';
import { HTTP_RPC_META_PREFIX, PROTOV_METADATA_KEY, SID_METADATA_KEY } from '#libs/protocol';
import { CallLimiter } from '../grpc/call-limiter.js';
import type { CallMetadata } from '../runtime/call-metadata.js';
import { CableServer } from '../runtime/cable.server.js';
import { decodeHttpRpcRequest } from './http-rpc-request.js';

/** Options of {@link CableHttpRpcModule}. */
export interface CableHttpRpcOptions {
  /** Mount path, e.g. `/_anycable`: the gateway's `rpc_host` is `http://<this app>/_anycable`. */
  path: string;
  /**
   * The `Authorization: Bearer` secret every call must carry (anycable-go `http_rpc_secret`, or
   * `deriveRpcSecret(secret)`); '' accepts calls without one (only behind a private network).
   */
  secret: string;
}

/**
 * Serves the AnyCable RPC contract as anycable-go's RPC over HTTP (`rpc_impl=http`): `POST
 * <path>/connect|command|disconnect` with the request message as JSON, the answer as JSON (200).
 * Served by the app's own HTTP server (no second port); the calls go to the same {@link CableServer}
 * as gRPC, under the same bound of calls in flight ({@link CallLimiter}: past it, 503). A call without
 * the secret gets 401; a body that is not a JSON object, 400. `CableModule.forRoot({ httpRpc })` adds it.
 */
export function cableHttpRpcController(options: CableHttpRpcOptions): Type<unknown> {
  @Controller(options.path)
  class CableHttpRpcController {
    private readonly expected: Buffer | null;

    constructor(
      @Inject(CableServer) private readonly server: CableServer,
      @Inject(CallLimiter) private readonly limiter: CallLimiter,
    ) {
      this.expected = options.secret ? Buffer.from(`Bearer ${options.secret}`) : null;
    }

    @Post(':method')
    @HttpCode(HttpStatus.OK)
    call(@Param('method') method: string, @Body() body: unknown, @Headers() headers: Record<string, string | undefined>): Promise<unknown> {
      this.authorize(headers.authorization);
      const metadata = metadataOf(headers);
      const refused = (): never => {
        throw new HttpException(`more than ${this.limiter.maxConcurrentCalls} RPC calls in flight; retry later`, HttpStatus.SERVICE_UNAVAILABLE);
      };
      const invalid = (): never => {
        throw new BadRequestException(`${method}: the body must be a JSON object`);
      };
      switch (method) {
        case 'connect': {
          const request = decodeHttpRpcRequest('connect', body) ?? invalid();
          return this.limiter.run(() => this.server.connect(request, metadata), refused);
        }
        case 'command': {
          const request = decodeHttpRpcRequest('command', body) ?? invalid();
          return this.limiter.run(() => this.server.command(request, metadata), refused);
        }
        case 'disconnect': {
          const request = decodeHttpRpcRequest('disconnect', body) ?? invalid();
          return this.limiter.run(() => this.server.disconnect(request, metadata), refused);
        }
        default:
          throw new NotFoundException(`unknown RPC method ${JSON.stringify(method)} (connect, command, disconnect)`);
      }
    }

    private authorize(authorization: string | undefined): void {
      if (!this.expected) return;
      const given = Buffer.from(authorization ?? '');
      if (given.length !== this.expected.length || !timingSafeEqual(given, this.expected)) {
        throw new UnauthorizedException('missing or wrong Authorization: Bearer <http_rpc_secret>');
      }
    }
  }
  return CableHttpRpcController;
}

/** `x-anycable-meta-sid` and `x-anycable-meta-protov` (a comma list) as the handlers read gRPC metadata. */
function metadataOf(headers: Record<string, string | undefined>): CallMetadata {
  const protov = headers[HTTP_RPC_META_PREFIX + PROTOV_METADATA_KEY] ?? '';
  return {
    sid: headers[HTTP_RPC_META_PREFIX + SID_METADATA_KEY] ?? '',
    protocolVersions: protov.split(',').map((part) => part.trim()).filter(Boolean),
  };
}
