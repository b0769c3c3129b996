/** One frame of a sampled stack, named by its origin (see cpu-profile-summary.ts originOf). */
export interface StackFrame {
  readonly functionName: string;
  readonly origin: string;
}

const SOCKET_WRITE = new Set(['writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writev', 'writeAsciiString']);
const RPC_CLIENT = /^(pkg:@grpc\/|pkg:undici$|pkg:protobufjs$|pkg:@protobufjs\/|node:internal\/http2\/|node:_http_client$|node:_http_agent$|node:_http_outgoing$|apps\/gateway\/src\/rpc\/)/;
const UPGRADE = new Set(['handleUpgrade', 'completeUpgrade', 'CableServer.handleUpgrade']);
const SESSION = /^apps\/gateway\/src\/(session|hub|protocol|presence|streams|transport)\//;
const JWT = /^(pkg:jsonwebtoken|pkg:jws|pkg:jwa)$/;
const MODULE_LOADING = /^node:internal\/modules\//;

/**
 * The phase of a gateway's work that a sample belongs to, read from its stack (leaf first): the
 * breakdown issue 12 asks for of a connect + subscribe (upgrade and handshake, the RPC client, the
 * frames written, session setup), plus GC and idle. A socket write is counted under what wrote it
 * (an RPC call, or a frame to a client): on loopback each write also runs the receiving side's TCP
 * processing, so writes are often the largest single share.
 */
export function phaseOf(stack: readonly StackFrame[]): string {
  const leaf = stack[0];
  if (!leaf) return 'other';
  if (leaf.functionName === '(idle)') return 'idle';
  if (leaf.functionName === '(garbage collector)') return 'GC';
  if (leaf.functionName === '(program)') return 'V8 (program)';
  const writes = SOCKET_WRITE.has(leaf.functionName);
  for (const frame of stack) {
    if (RPC_CLIENT.test(frame.origin)) return writes ? 'RPC: socket writes' : 'RPC client (transport, encoding)';
    if (MODULE_LOADING.test(frame.origin)) return 'start (module loading)';
  }
  if (writes) return stack.some((frame) => UPGRADE.has(frame.functionName)) ? 'frames: socket writes (101)' : 'frames: socket writes (welcome, confirm, pings, …)';
  for (const frame of stack) {
    if (JWT.test(frame.origin)) return 'JWT verification';
    if (UPGRADE.has(frame.functionName) || frame.origin === 'node:_http_server') return 'upgrade and handshake';
    if (frame.origin === 'pkg:ws') return 'WebSocket framing (ws)';
    if (SESSION.test(frame.origin)) return 'session, subscriptions, frames (our code)';
    if (frame.origin.startsWith('pkg:@nestjs/') || frame.origin === 'pkg:rxjs') return 'Nest wiring (rxjs)';
  }
  return 'other Node internals (sockets, streams, timers)';
}
