import {
  Status,
  type ClientCommand,
  type CommandName,
  type CommandResponse,
  type DisconnectRequest,
  type Env,
  type HistoryRequest,
  type StringMap,
} from '#libs/protocol';
import { CloseCode } from '../protocol/protocol.types.js';
import {
  encodeCommandRefused,
  encodeDisconnect,
  encodeHistoryReply,
  encodeRestoredWelcome,
  encodeSubscriptionConfirmation,
  encodeSubscriptionRejection,
  withSessionId,
  type CommandRefusal,
} from '../protocol/server-frame.encoder.js';
import { RpcCallError } from '../rpc/rpc-call.error.js';
import type { StreamSubscription } from '../streams/stream-channels.js';
import { isExtendedProtocol } from '../protocol/subprotocol.js';
import type { SessionSnapshot } from '../broker/broker.js';
import type { EncodedOnce } from '../transport/frame-encoder.js';
import type { SessionSocket } from '../transport/session-socket.js';
import type { InvalidFrame } from '../transport/cable-ws.adapter.js';
import { answerHistory, missedAfter } from './history-answer.js';
import { LiveDelivery, type HoldEnd } from './live-delivery.js';
import { CommandInbox, type QueuedCommand } from './command-inbox.js';
import type { PingTarget } from './ping-scheduler.js';
import { mergeState, type RequestEnv } from './request-env.js';
import type { SessionContext } from './session-context.js';
import { SessionPresence } from './session-presence.js';
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
const hasEntries = (state: StringMap | null | undefined): boolean => state !== null && state !== undefined && Object.keys(state).length > 0;
/** Bad frames of one session logged individually before the session's log goes quiet. */
const LOGGED_BAD_FRAMES = 10;

/**
 * One connection's life: Connect over RPC, then its commands one at a time and in order
 * (subscribe → follow streams, message → RPC, unsubscribe), pings, and on close the Disconnect
 * call. Identifiers, data and transmissions are opaque strings, passed verbatim.
 * Every log line carries the session's sid.
 */
export class Session implements PingTarget {
  pingSlot = -1;
  private lastPongAt = Date.now();
  private state: SessionState = 'connecting';
  private identifiers = '';
  private cstate: StringMap | null = null;
  private readonly subscriptions: SubscriptionSet;
  /** Allocated while commands wait (most sessions are idle most of the time). */
  private inbox: CommandInbox | null = null;
  private busy = false;
  /** When the client of the command being run stops waiting (epoch ms): its RPC call never outlives it. */
  private commandNotAfter = Number.POSITIVE_INFINITY;
  private authenticatedBy: SessionSnapshot['authenticatedBy'] | null = null;
  private subscribedOverRpc = false;
  private badFrames = 0;
  /** A newer connection restored this session (half-open takeover): no more commits of it. */
  private takenOver = false;
  /** This session's broadcast frames, held back around history answers (exactly once, in order). */
  private readonly delivery: LiveDelivery;
  private readonly presence: SessionPresence;
  /** Callers of {@link idle} waiting for the running command and the queue to finish. */
  private idleWaiters: Array<() => void> | null = null;

  constructor(
    readonly socket: SessionSocket,
    private readonly env: RequestEnv,
    private readonly context: SessionContext,
  ) {
    const { historyHoldMs, historyHoldSize } = context.options;
    this.delivery = new LiveDelivery(socket, { holdMs: historyHoldMs, maxHeld: historyHoldSize }, (reason, released) => this.holdEnded(reason, released), (identifier, stream, after) =>
      missedAfter(context.broker, identifier, stream, after),
    );
    this.presence = new SessionPresence(
      {
        sid: socket.sid,
        send: (frame) => this.state === 'connected' && this.socket.sendText(frame),
        badInput: (message, fields) => this.badInput(message, fields),
        debug: (message, fields) => this.log('debug', message, fields),
      },
      context.presence,
    );
    this.subscriptions = new SubscriptionSet(context.hub, this.delivery);
  }

  get sid(): string {
    return this.socket.sid;
  }

  /** The identifiers string Connect returned ('' until then). */
  get connectionIdentifiers(): string {
    return this.identifiers;
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
    this.presence.closed();
    this.subscriptions.stopEveryStream();
    this.context.registry.remove(this);
    if (!this.busy) this.finishClose();
  }

  /** An authenticated extended-protocol session can be restored (anycable-go: resumable sessions). */
  private isRestorable(): boolean {
    return this.authenticatedBy !== null && !this.takenOver && isExtendedProtocol(this.socket.protocol);
  }

  /** Keeps the session's snapshot in the broker after each change, so a restore works even while the old socket looks alive. */
  private commit(): void {
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
      this.commandNotAfter = notAfter;
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
    switch (command.command) {
      case 'subscribe':
        return this.subscribe(command.identifier, command.history, command.presence);
      case 'unsubscribe':
        return this.unsubscribe(command.identifier);
      case 'message':
        return this.perform(command.identifier, command.data);
      case 'history':
        return this.history(command.identifier, command.history);
      case 'whisper':
        return this.whisper(command.identifier, command.data);
      case 'join':
        return this.presence.join(command.identifier, this.istateOf(command.identifier), command.presence);
      case 'leave':
        return this.presence.leave(command.identifier, this.istateOf(command.identifier));
      case 'presence':
        return this.presence.answer(command.identifier, this.istateOf(command.identifier));
    }
  }

  /** A subscription's istate: undefined when not subscribed, null when it has none. */
  private istateOf(identifier: string): StringMap | null | undefined {
    return this.subscriptions.get(identifier)?.istate;
  }

  /**
   * Subscribes over RPC; a `history` request (extended protocol) is answered once confirmed, then a
   * `presence` join (a client re-joining after a reconnect) is applied, like anycable-go.
   */
  private async subscribe(identifier: string, history?: HistoryRequest, presence?: unknown): Promise<void> {
    if (this.subscriptions.has(identifier)) {
      this.log('debug', 'already subscribed: subscribe ignored', { identifier });
      return;
    }
    const limit = this.context.options.maxSubscriptions;
    if (limit > 0 && this.subscriptions.size >= limit) {
      this.badInput(`subscription limit reached (max_subscriptions_per_session=${limit}): subscribe rejected`, { identifier });
      this.socket.sendText(encodeSubscriptionRejection(identifier));
      return;
    }
    const local = this.context.streams.resolve(identifier);
    if (local.kind !== 'rpc') return this.subscribeLocally(identifier, local, history, presence);
    const response = await this.command('subscribe', identifier, '', null);
    if (typeof response === 'string') {
      if (this.state === 'connected') this.socket.sendText(encodeSubscriptionRejection(identifier));
      return;
    }
    if (response.status === Status.SUCCESS) {
      const subscription: Subscription = { istate: null, streams: null, local: false };
      this.subscriptions.add(identifier, subscription);
      this.subscribedOverRpc = true;
      // Live frames wait from the first followed stream until the history answer is written.
      const wantsHistory = history !== undefined && Boolean(history.since || history.streams);
      if (wantsHistory) this.delivery.holdForAnswer(identifier);
      this.apply(response, identifier, subscription);
      this.commit();
      await this.presenceFromRpc(response, identifier);
      const current = (): boolean => this.state === 'connected' && this.subscriptions.get(identifier) === subscription;
      if (wantsHistory) {
        if (current()) await this.history(identifier, history);
        else this.delivery.answered(identifier, new Map());
      }
      if (presence !== undefined && current()) await this.presence.join(identifier, subscription.istate, presence);
    } else if (response.status === Status.FAILURE) {
      this.log('info', 'subscription rejected', { identifier, error: response.error_msg || undefined });
      this.apply(response, identifier, null);
    } else {
      this.log('error', 'subscribe answered ERROR', { identifier, error: response.error_msg });
    }
  }

  /**
   * A signed, public or Turbo stream (see StreamChannels): confirmed and followed, or rejected, with
   * no RPC. The stream is the subscription's whisper stream when whisper is allowed on it.
   */
  private async subscribeLocally(
    identifier: string,
    local: Exclude<StreamSubscription, { kind: 'rpc' }>,
    history?: HistoryRequest,
    presence?: unknown,
  ): Promise<void> {
    if (local.kind === 'reject') {
      this.log('debug', 'stream subscription rejected', { identifier, reason: local.reason });
      this.socket.sendText(encodeSubscriptionRejection(identifier));
      return;
    }
    const istate: StringMap = {};
    if (local.whisper) istate.$w = local.stream;
    if (local.presence) istate.$p = local.stream;
    const subscription: Subscription = { istate: Object.keys(istate).length > 0 ? istate : null, streams: null, local: true };
    this.subscriptions.add(identifier, subscription);
    const wantsHistory = history !== undefined && Boolean(history.since || history.streams);
    if (wantsHistory) this.delivery.holdForAnswer(identifier);
    this.subscriptions.follow(identifier, subscription, local.stream);
    this.socket.sendText(encodeSubscriptionConfirmation(identifier));
    this.commit();
    if (wantsHistory) await this.history(identifier, history);
    if (presence !== undefined && this.state === 'connected' && this.subscriptions.get(identifier) === subscription) {
      await this.presence.join(identifier, subscription.istate, presence);
    }
  }

  private async unsubscribe(identifier: string): Promise<void> {
    const subscription = this.subscriptions.get(identifier);
    if (!subscription) {
      this.badInput('unsubscribe from an unknown subscription: ignored', { identifier });
      return;
    }
    // Whatever RPC answers, the subscription is gone: no broadcast reaches it from now on.
    this.subscriptions.remove(identifier, subscription);
    this.delivery.forget(identifier);
    this.commit();
    await this.presence.unsubscribed(identifier, subscription.istate);
    // anycable-go's streams controller answers an unsubscribe with nothing at all.
    if (subscription.local) return;
    const response = await this.command('unsubscribe', identifier, '', subscription.istate);
    if (typeof response === 'string') return;
    if (response.status === Status.ERROR) this.log('error', 'unsubscribe answered ERROR', { identifier, error: response.error_msg });
    else this.apply(response, identifier, null);
  }

  private async perform(identifier: string, data: string): Promise<void> {
    const subscription = this.subscriptions.get(identifier);
    if (!subscription) {
      this.badInput('message for an unknown subscription: ignored', { identifier });
      return;
    }
    if (subscription.local) {
      this.badInput('message to a stream subscription (no channel to perform it): ignored', { identifier });
      return;
    }
    const response = await this.command('message', identifier, data, subscription.istate);
    if (typeof response === 'string') {
      if (this.state === 'connected') this.socket.sendText(encodeCommandRefused(identifier, response, 'message', data));
      return;
    }
    if (response.status === Status.ERROR) {
      this.log('error', 'message answered ERROR', { identifier, error: response.error_msg });
      return;
    }
    this.apply(response, identifier, this.subscriptions.get(identifier) === subscription ? subscription : null);
    await this.presenceFromRpc(response, identifier);
  }

  /** The `presence` of a Command answer (after its state was merged: the answer may set `$p` itself). */
  private async presenceFromRpc(response: CommandResponse, identifier: string): Promise<void> {
    if (!response.presence?.type || this.state !== 'connected') return;
    await this.presence.fromRpc(identifier, this.istateOf(identifier), response.presence);
  }

  /**
   * anycable-go's history command (both protocols): the missed messages of the subscription's
   * streams in order, then `confirm_history`; `reject_history` when one stream cannot be served
   * (or there is no broker). The subscription's live frames wait meanwhile and follow the answer,
   * without those it already sent.
   */
  private async history(identifier: string, request: HistoryRequest): Promise<void> {
    const subscription = this.subscriptions.get(identifier);
    if (!subscription) {
      this.badInput('history for an unknown subscription: ignored', { identifier });
      return;
    }
    this.delivery.holdForAnswer(identifier);
    const answer = await answerHistory(this.context.broker, identifier, [...(subscription.streams ?? [])], request);
    if (this.state !== 'connected') return;
    if (answer.ok) {
      for (const frame of answer.frames) this.socket.sendText(frame);
      this.socket.sendText(encodeHistoryReply(identifier, true));
    } else {
      this.log('debug', 'history rejected', { identifier, stream: answer.stream, error: answer.error });
      this.socket.sendText(encodeHistoryReply(identifier, false));
    }
    this.delivery.answered(identifier, answer.ok ? answer.covered : new Map());
  }

  private whisper(identifier: string, data: unknown): void {
    const stream = this.subscriptions.get(identifier)?.istate?.$w;
    if (!stream) {
      this.badInput('whisper without a whisper stream for this subscription: ignored', { identifier });
      return;
    }
    // Transient (never stored in history); through the pub/sub layer, so it reaches other gateways too.
    this.context.whispers.publish({ stream, data: JSON.stringify(data), meta: { exclude_socket: this.sid, transient: true } });
  }

  /**
   * Runs one Command call within its client's deadline; the refusal when it gave no answer (logged; the
   * caller refuses it with a frame: a subscribe is rejected, a message gets an `error` reply; an
   * unsubscribe has no answer to give, the subscription is gone already).
   */
  private async command(name: CommandName, identifier: string, data: string, istate: StringMap | null): Promise<CommandResponse | CommandRefusal> {
    // Only a message counts its deadline from its arrival. A subscribe waits its turn behind the Connect
    // calls of a connect storm (its deadline from its first attempt, as before): refusing it there would
    // lose a subscription that Action Cable clients do not ask for again (seen at 10,000 connections).
    const notAfter = name === 'message' ? this.commandNotAfter : undefined;
    try {
      return await this.context.rpc.command(this.sid, {
        command: name,
        identifier,
        connection_identifiers: this.identifiers,
        data,
        env: this.envWith(istate),
      }, notAfter);
    } catch (error) {
      const refusal = error instanceof RpcCallError && !error.mayHaveRun ? 'rpc_unavailable' : 'rpc_timeout';
      // debug: the RPC client logs an outage once; a line per refused command would flood the log.
      this.log('debug', `${name} got no answer (${refusal}): refused`, { identifier, err: (error as Error).message });
      return refusal;
    }
  }

  /**
   * Applies a Command answer in the contract's order: remember `disconnect`; stop streams (all,
   * or the listed ones); follow new streams; merge state; send transmissions verbatim; then close
   * if asked. Its `presence` is applied by the caller afterwards (it awaits the broker). A session closing meanwhile only records state (for Disconnect).
   */
  private apply(response: CommandResponse, identifier: string, subscription: Subscription | null): void {
    const live = this.state === 'connected';
    if (subscription) {
      if (response.stop_streams) this.subscriptions.stopAll(identifier, subscription);
      else for (const stream of response.stopped_streams) this.subscriptions.stop(identifier, subscription, stream);
      if (live) for (const stream of response.streams) this.subscriptions.follow(identifier, subscription, stream);
    }
    if (response.env) {
      this.cstate = mergeState(this.cstate, response.env.cstate);
      if (subscription) subscription.istate = mergeState(subscription.istate, response.env.istate);
    }
    const changed =
      response.stop_streams || response.stopped_streams.length > 0 || response.streams.length > 0 || hasEntries(response.env?.cstate) || hasEntries(response.env?.istate);
    if (live && changed) this.commit();
    if (live) this.sendTransmissions(response.transmissions);
    if (response.disconnect) {
      this.log('info', 'RPC asked to disconnect the session');
      this.closeWith(CloseCode.NORMAL);
    }
  }

  private sendTransmissions(transmissions: readonly string[]): void {
    const extended = isExtendedProtocol(this.socket.protocol);
    for (const transmission of transmissions) this.socket.sendText(extended ? withSessionId(transmission, this.sid) : transmission);
  }

  /** Sends an optional last frame, closes the socket, and stops serving at once. */
  private closeWith(code: number, frame?: string): void {
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

  private envWith(istate: StringMap | null): Env {
    return { url: this.env.url, headers: this.env.headers, cstate: this.cstate ?? EMPTY_STATE, istate: istate ?? EMPTY_STATE };
  }

  private holdEnded(reason: HoldEnd, released: number): void {
    if (reason === 'overflow') this.context.stats.historyHoldOverflows++;
    this.log(reason === 'overflow' ? 'warn' : 'debug', reason === 'overflow' ? 'live frames held for a history answer over history_hold_size: sent as they are' : 'no history request within history_hold_milliseconds: live frames released', { released });
  }

  private badInput(message: string, fields: Record<string, unknown> = {}): void {
    this.badFrames++;
    if (this.badFrames <= LOGGED_BAD_FRAMES) this.log('warn', message, fields);
    if (this.badFrames === LOGGED_BAD_FRAMES) this.log('warn', `further bad input of this session is counted, not logged`);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
    this.context.logger[level]({ sid: this.sid, ...fields }, message);
  }
}
