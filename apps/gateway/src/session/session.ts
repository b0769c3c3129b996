import { Status, type ClientCommand, type DisconnectRequest, type Env, type StringMap } from '#libs/protocol';
import { CloseCode } from '../protocol/protocol.types.js';
import { encodeDisconnect, encodeRestoredWelcome, withSessionId } from '../protocol/server-frame.encoder.js';
import { isExtendedProtocol } from '../protocol/subprotocol.js';
import type { SessionSnapshot } from '../broker/broker.js';
import type { EncodedOnce } from '../transport/frame-encoder.js';
import type { SessionSocket } from '../transport/session-socket.js';
import type { InvalidFrame } from '../transport/cable-ws.adapter.js';
import type { CommandSession } from './channel-commands.js';
import { LiveDelivery } from './live-delivery.js';
import { CommandInbox, type QueuedCommand } from './command-inbox.js';
import type { PingTarget } from './ping-scheduler.js';
import { mergeState, type RequestEnv } from './request-env.js';
import type { SessionRuntime } from './session-context.js';
import { SubscriptionSet, type Subscription } from './subscription-set.js';

type SessionState = 'connecting' | 'connected' | 'closing' | 'closed';

/** The outcome of authenticating a connection without RPC (JWT identification, noauth). */
export type PreAuthentication =
  /** Connect over RPC. */
  | { kind: 'none' }
  | { kind: 'identified'; identifiers: string }
  /** noauth / public mode: identifiers `{"sid":"<sid>"}`, as anycable-go's public identifier. */
  | { kind: 'public' }
  | { kind: 'refused'; frame: string }
  /** A server-side failure: close 1011 with no frame (anycable-go: a token without identifiers). */
  | { kind: 'error'; message: string };

const EMPTY_STATE: StringMap = Object.freeze({}) as StringMap;
/** Bad frames of one session logged individually before the session's log goes quiet. */
const LOGGED_BAD_FRAMES = 10;

/**
 * One connection's life: Connect over RPC (or a token, or a restore), then its commands one at a
 * time and in order (run by the shared ChannelCommands), pings, and on close the Disconnect call.
 * Identifiers, data and transmissions are opaque strings, passed verbatim.
 * Every log line carries the session's sid. An idle session holds only its fields, its
 * subscriptions and its live delivery: no closures (each one, with the property array esbuild's
 * keepNames gives it, cost ~0.3 KB per connection).
 */
export class Session implements PingTarget, CommandSession {
  pingSlot = -1;
  private lastPongAt = Date.now();
  private state: SessionState = 'connecting';
  private identifiers = '';
  private cstate: StringMap | null = null;
  readonly subscriptions: SubscriptionSet;
  /** Allocated while commands wait (most sessions are idle most of the time). */
  private inbox: CommandInbox | null = null;
  private busy = false;
  /** When the client of the command being run stops waiting (epoch ms): its RPC call never outlives it. */
  private runningNotAfter = Number.POSITIVE_INFINITY;
  private authenticatedBy: SessionSnapshot['authenticatedBy'] | null = null;
  private subscribedOverRpc = false;
  private badFrames = 0;
  /** A newer connection restored this session (half-open takeover): no more commits of it. */
  private takenOver = false;
  /** This session's broadcast frames, held back around history answers (exactly once, in order). */
  readonly delivery: LiveDelivery;
  /** Callers of {@link idle} waiting for the running command and the queue to finish. */
  private idleWaiters: Array<() => void> | null = null;

  constructor(
    readonly socket: SessionSocket,
    private readonly env: RequestEnv,
    private readonly context: SessionRuntime,
  ) {
    this.delivery = new LiveDelivery(socket, context.delivery);
    this.subscriptions = new SubscriptionSet(context.hub, this.delivery);
  }

  get sid(): string {
    return this.socket.sid;
  }

  /** The identifiers string Connect returned ('' until then). */
  get connectionIdentifiers(): string {
    return this.identifiers;
  }

  get commandNotAfter(): number {
    return this.runningNotAfter;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  isSubscribed(identifier: string): boolean {
    return this.subscriptions.has(identifier);
  }

  /**
   * Resolves once the session runs nothing and has nothing queued (or is closed): a one-way
   * transport (SSE) waits on it to learn how its subscribe commands went before it answers.
   */
  idle(): Promise<void> {
    if (!this.busy && !this.inbox?.size) return Promise.resolve();
    return new Promise((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  /**
   * Restores the session `previousSid` names when the broker still has it (extended protocol,
   * `?sid=`), else authenticates (JWT when given, else RPC Connect); commands sent meanwhile wait
   * in order.
   */
  async open(preAuthentication: PreAuthentication, previousSid = ''): Promise<void> {
    this.busy = true;
    try {
      const snapshot = previousSid ? await this.context.broker.restoreSession(previousSid) : null;
      if (previousSid) this.log('debug', 'session restore asked', { previous: previousSid, restored: snapshot !== null });
      if (snapshot) {
        if (this.state === 'connecting') this.restore(snapshot, previousSid);
      } else if (preAuthentication.kind === 'none') await this.connectOverRpc();
      else this.connectWithToken(preAuthentication);
    } catch (error) {
      this.log('error', 'connect failed unexpectedly: closing with 1011', { err: (error as Error).message });
      this.closeWith(CloseCode.SERVER_ERROR);
    } finally {
      this.busy = false;
    }
    this.afterJob();
  }

  /**
   * Restores a session from its snapshot (`?sid=`): no Connect call; its identifiers, states,
   * subscriptions and streams come back, and the welcome says so (`restored: true`,
   * `restored_ids`), under this connection's new sid. If the old session still looks alive here
   * (its socket half-open: the client's network dropped without a close), it is closed now.
   * Live frames of the restored subscriptions wait for the client's history request.
   */
  private restore(snapshot: SessionSnapshot, previousSid: string): void {
    this.context.registry.withSid(previousSid)?.takeOver(this.sid);
    this.identifiers = snapshot.identifiers;
    this.cstate = snapshot.cstate;
    this.authenticatedBy = snapshot.authenticatedBy;
    this.subscribedOverRpc = snapshot.subscribedOverRpc;
    this.state = 'connected';
    this.delivery.holdUntilAsked(snapshot.subscriptions.map(({ identifier }) => identifier));
    for (const { identifier, istate, streams } of snapshot.subscriptions) {
      const subscription: Subscription = { istate, streams: null, local: this.context.streams.resolve(identifier).kind !== 'rpc' };
      this.subscriptions.add(identifier, subscription);
      for (const stream of streams) this.subscriptions.follow(identifier, subscription, stream);
    }
    this.context.registry.indexIdentifiers(this);
    this.lastPongAt = Date.now();
    this.context.pings.add(this);
    this.socket.sendText(encodeRestoredWelcome(this.sid, this.subscriptions.identifiers()));
    this.commit();
    this.log('debug', 'session restored', { previous: previousSid, identifiers: this.identifiers, subscriptions: this.subscriptions.size });
  }

  /**
   * A newer connection restored this session while its socket still looked open: close it. Its
   * Disconnect call is made as for any closed session (anycable-go does the same when it notices
   * the dead socket), and it stops committing, so the restored session is the only one kept.
   */
  takeOver(bySid: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.takenOver = true;
    this.log('info', 'session restored by a new connection: closing this one', { by: bySid });
    this.closeWith(CloseCode.NORMAL);
    // Its peer is most likely gone (no close handshake would complete): release the socket now.
    this.socket.terminate();
  }

  /** A decoded client command; pongs are applied at once, the rest queued. */
  enqueue(command: ClientCommand): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (command.command === 'pong') {
      this.lastPongAt = Date.now();
      return;
    }
    const { maxPendingCommands, rpcRequestTimeoutMs } = this.context.options;
    const inbox = (this.inbox ??= new CommandInbox(this.socket, maxPendingCommands, rpcRequestTimeoutMs));
    if (!inbox.push(command)) {
      this.context.stats.droppedCommands++;
      this.badInput(`too many pending commands (max_pending_commands=${maxPendingCommands}): ${command.command} dropped`);
      return;
    }
    if (!this.busy && this.state === 'connected') void this.drain();
  }

  /** A frame the protocol decoder refused: logged (a few per session), never fatal. */
  invalidFrame(frame: InvalidFrame): void {
    this.context.stats.badFrames++;
    this.badInput(`${frame.error} (${frame.size} bytes): ignored`);
  }

  ping(frame: EncodedOnce, nowMs: number): void {
    const { pongTimeoutMs, pingIntervalMs } = this.context.options;
    if (pongTimeoutMs > 0 && isExtendedProtocol(this.socket.protocol) && nowMs - this.lastPongAt > pingIntervalMs + pongTimeoutMs) {
      this.context.stats.pongTimeouts++;
      this.log('info', 'no pong within pong_timeout: disconnecting');
      this.closeWith(CloseCode.NORMAL, encodeDisconnect('no_pong', true));
      return;
    }
    const bytes = frame.bytesFor(this.socket.encoder);
    if (bytes) this.socket.sendFrame(bytes);
  }

  /** A remote disconnect command for this session's identifiers. */
  disconnectRemotely(reconnect: boolean): void {
    this.log('info', 'remote disconnect', { reconnect });
    this.closeWith(CloseCode.NORMAL, encodeDisconnect('remote', reconnect));
  }

  /** Graceful shutdown: tell the client to come back later, close with 1001. */
  shutdown(): void {
    this.closeWith(CloseCode.GOING_AWAY, encodeDisconnect('server_restart', true));
  }

  /** The socket is closed (by either side): stop serving, then call Disconnect once idle. */
  handleTransportClosed(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    // Its snapshot is already committed (on every change): it stays restorable for sessions_ttl from now.
    if (this.state === 'connected' && this.isRestorable()) void this.context.broker.finishSession(this.sid);
    this.state = 'closing';
    this.delivery.dispose();
    this.inbox = null;
    this.context.pings.remove(this);
    this.context.commands.presence.closed(this);
    this.subscriptions.stopEveryStream();
    this.context.registry.remove(this);
    if (!this.busy) this.finishClose();
  }

  /** An authenticated extended-protocol session can be restored (anycable-go: resumable sessions). */
  private isRestorable(): boolean {
    return this.authenticatedBy !== null && !this.takenOver && isExtendedProtocol(this.socket.protocol);
  }

  /** Keeps the session's snapshot in the broker after each change, so a restore works even while the old socket looks alive. */
  commit(): void {
    if (!this.isRestorable() || this.authenticatedBy === null || this.state !== 'connected') return;
    void this.context.broker.commitSession(this.sid, {
      identifiers: this.identifiers,
      cstate: this.cstate,
      subscriptions: this.subscriptions.snapshot(),
      authenticatedBy: this.authenticatedBy,
      subscribedOverRpc: this.subscribedOverRpc,
    });
  }

  private async connectOverRpc(): Promise<void> {
    let response;
    try {
      response = await this.context.rpc.connect(this.sid, { env: this.envWith(null) });
    } catch (error) {
      this.log('warn', 'Connect failed (RPC unavailable): closing with 1011', { err: (error as Error).message });
      this.closeWith(CloseCode.SERVER_ERROR);
      return;
    }
    if (response.status === Status.SUCCESS) {
      this.identifiers = response.identifiers;
      this.cstate = mergeState(this.cstate, response.env?.cstate);
      this.authenticatedBy = 'rpc';
      if (this.state !== 'connecting') return;
      this.becomeConnected(response.transmissions);
    } else if (response.status === Status.FAILURE) {
      this.context.stats.failedAuths++;
      this.log('info', 'connection rejected by RPC', { error: response.error_msg || undefined });
      this.sendTransmissions(response.transmissions);
      this.closeWith(CloseCode.NORMAL);
    } else {
      this.log('error', 'Connect answered ERROR: closing with 1011', { error: response.error_msg });
      this.closeWith(CloseCode.SERVER_ERROR);
    }
  }

  private connectWithToken(preAuthentication: Exclude<PreAuthentication, { kind: 'none' }>): void {
    switch (preAuthentication.kind) {
      case 'refused':
        this.context.stats.failedAuths++;
        this.log('info', 'connection refused by JWT identification');
        this.socket.sendText(preAuthentication.frame);
        this.closeWith(CloseCode.NORMAL);
        return;
      case 'error':
        this.log('warn', `${preAuthentication.message}: closing with 1011`);
        this.closeWith(CloseCode.SERVER_ERROR);
        return;
      case 'identified':
        this.identifiers = preAuthentication.identifiers;
        this.authenticatedBy = 'jwt';
        break;
      case 'public':
        this.identifiers = `{"sid":${JSON.stringify(this.sid)}}`;
        this.authenticatedBy = 'public';
        break;
    }
    // anycable-go's identifiers answer with the sid on both protocols.
    this.becomeConnected([`{"type":"welcome","sid":${JSON.stringify(this.sid)}}`]);
  }

  private becomeConnected(transmissions: readonly string[]): void {
    this.state = 'connected';
    this.context.registry.indexIdentifiers(this);
    this.lastPongAt = Date.now();
    this.context.pings.add(this);
    this.sendTransmissions(transmissions);
    this.commit();
    this.log('debug', 'connected', { identifiers: this.identifiers, by: this.authenticatedBy });
  }

  private async drain(): Promise<void> {
    const inbox = this.inbox;
    if (!inbox) return;
    this.busy = true;
    while (inbox.size > 0 && this.state === 'connected') {
      const { command, notAfter } = inbox.shift()!;
      this.runningNotAfter = notAfter;
      try {
        await this.execute(command);
      } catch (error) {
        this.log('error', `${command.command} failed unexpectedly`, { err: (error as Error).message });
      }
    }
    this.busy = false;
    if (this.inbox === inbox && inbox.size === 0) this.inbox = null;
    this.afterJob();
  }

  private afterJob(): void {
    if (this.state === 'closing') this.finishClose();
    else if (this.state === 'connected' && !this.busy && this.inbox && this.inbox.size > 0) void this.drain();
    if (!this.busy) this.wakeIdleWaiters();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = null;
    if (waiters) for (const wake of waiters) wake();
  }

  private execute(command: QueuedCommand): Promise<void> | void {
    const { commands } = this.context;
    switch (command.command) {
      case 'subscribe':
        return commands.subscribe(this, command.identifier, command.history, command.presence);
      case 'unsubscribe':
        return commands.unsubscribe(this, command.identifier);
      case 'message':
        return commands.perform(this, command.identifier, command.data);
      case 'history':
        return commands.history(this, command.identifier, command.history);
      case 'whisper':
        return commands.whisper(this, command.identifier, command.data);
      case 'join':
        return commands.presence.join(this, command.identifier, commands.istateOf(this, command.identifier), command.presence);
      case 'leave':
        return commands.presence.leave(this, command.identifier, commands.istateOf(this, command.identifier));
      case 'presence':
        return commands.presence.answer(this, command.identifier, commands.istateOf(this, command.identifier));
    }
  }

  mergeConnectionState(changes: StringMap | null | undefined): void {
    this.cstate = mergeState(this.cstate, changes);
  }

  markSubscribedOverRpc(): void {
    this.subscribedOverRpc = true;
  }

  sendWhileConnected(frame: string): void {
    if (this.state === 'connected') this.socket.sendText(frame);
  }

  sendTransmissions(transmissions: readonly string[]): void {
    const extended = isExtendedProtocol(this.socket.protocol);
    for (const transmission of transmissions) this.socket.sendText(extended ? withSessionId(transmission, this.sid) : transmission);
  }

  /** Sends an optional last frame, closes the socket, and stops serving at once. */
  closeWith(code: number, frame?: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (frame) this.socket.sendText(frame);
    this.socket.close(code);
    this.handleTransportClosed();
  }

  private finishClose(): void {
    this.state = 'closed';
    this.wakeIdleWaiters();
    if (this.wantsDisconnectCall()) this.context.disconnects.enqueue(this.sid, this.disconnectRequest());
    this.log('debug', 'session closed');
  }

  /**
   * disconnect_mode: never; always (any authenticated session); auto (anycable-go: skip sessions
   * that never involved RPC, i.e. JWT-identified ones without RPC subscriptions).
   */
  private wantsDisconnectCall(): boolean {
    const mode = this.context.options.disconnectMode;
    if (mode === 'never' || this.authenticatedBy === null) return false;
    return mode === 'always' || this.authenticatedBy === 'rpc' || this.subscribedOverRpc;
  }

  private disconnectRequest(): DisconnectRequest {
    const { subscriptions, istate } = this.subscriptions.forDisconnect();
    return {
      identifiers: this.identifiers,
      subscriptions,
      env: { url: this.env.url, headers: this.env.headers, cstate: this.cstate ?? EMPTY_STATE, istate },
    };
  }

  envWith(istate: StringMap | null): Env {
    return { url: this.env.url, headers: this.env.headers, cstate: this.cstate ?? EMPTY_STATE, istate: istate ?? EMPTY_STATE };
  }

  /** Refused input: logged (the first few per session), and the session goes on. */
  badInput(message: string, fields: Record<string, unknown> = {}): void {
    this.badFrames++;
    if (this.badFrames <= LOGGED_BAD_FRAMES) this.log('warn', message, fields);
    if (this.badFrames === LOGGED_BAD_FRAMES) this.log('warn', `further bad input of this session is counted, not logged`);
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    this.context.logger[level]({ sid: this.sid, ...fields }, message);
  }
}
