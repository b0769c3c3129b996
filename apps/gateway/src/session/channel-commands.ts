import { Status, type CommandName, type CommandResponse, type Env, type HistoryRequest, type StringMap } from '#libs/protocol';
import { CloseCode } from '../protocol/protocol.types.js';
import {
  encodeCommandRefused,
  encodeHistoryReply,
  encodeSubscriptionConfirmation,
  encodeSubscriptionRejection,
  type CommandRefusal,
} from '../protocol/server-frame.encoder.js';
import { RpcCallError } from '../rpc/rpc-call.error.js';
import type { StreamSubscription } from '../streams/stream-channels.js';
import type { SessionSocket } from '../transport/session-socket.js';
import { answerHistory } from './history-answer.js';
import type { LiveDelivery } from './live-delivery.js';
import { mergeState } from './request-env.js';
import type { SessionContext } from './session-context.js';
import type { PresenceSessionPort, SessionPresence } from './session-presence.js';
import { streamsOf, type Subscription, type SubscriptionSet } from './subscription-set.js';

const hasEntries = (state: StringMap | null | undefined): boolean => state !== null && state !== undefined && Object.keys(state).length > 0;

/** What the channel commands need of their session (Session implements it). */
export interface CommandSession extends PresenceSessionPort {
  readonly socket: SessionSocket;
  readonly isConnected: boolean;
  /** The identifiers string Connect returned. */
  readonly connectionIdentifiers: string;
  readonly subscriptions: SubscriptionSet;
  readonly delivery: LiveDelivery;
  /** When the client of the running command stops waiting (epoch ms): its RPC call never outlives it. */
  readonly commandNotAfter: number;
  /** The RPC env of a call: the request's url and headers, the connection state and `istate`. */
  envWith(istate: StringMap | null): Env;
  /** Merges a connection state change from RPC (`env.cstate`). */
  mergeConnectionState(changes: StringMap | null | undefined): void;
  /** A subscription went through RPC: the session's Disconnect call is due whatever disconnect_mode=auto says. */
  markSubscribedOverRpc(): void;
  /** Keeps the session's snapshot in the broker (restorable sessions only). */
  commit(): void;
  /** Writes transmissions verbatim (with the sid on the extended protocol). */
  sendTransmissions(transmissions: readonly string[]): void;
  closeWith(code: number): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

/**
 * The commands a session runs for its subscriptions, one at a time and in order: subscribe (over
 * RPC, or answered here for signed, public and Turbo streams), unsubscribe, message, history,
 * whisper and the presence commands; and how a Command answer is applied. One instance serves every
 * session (the session is an argument), so a session carries no per-command state or closures.
 */
export class ChannelCommands {
  readonly presence: SessionPresence;

  constructor(
    private readonly context: Pick<SessionContext, 'options' | 'rpc' | 'streams' | 'broker' | 'whispers'>,
    presence: SessionPresence,
  ) {
    this.presence = presence;
  }

  /** A subscription's istate: undefined when not subscribed, null when it has none. */
  istateOf(session: CommandSession, identifier: string): StringMap | null | undefined {
    return session.subscriptions.get(identifier)?.istate;
  }

  /**
   * Subscribes over RPC; a `history` request (extended protocol) is answered once confirmed, then a
   * `presence` join (a client re-joining after a reconnect) is applied, like anycable-go.
   */
  async subscribe(session: CommandSession, identifier: string, history?: HistoryRequest, presence?: unknown): Promise<void> {
    const { subscriptions, socket, delivery } = session;
    if (subscriptions.has(identifier)) {
      session.log('debug', 'already subscribed: subscribe ignored', { identifier });
      return;
    }
    const limit = this.context.options.maxSubscriptions;
    if (limit > 0 && subscriptions.size >= limit) {
      session.badInput(`subscription limit reached (max_subscriptions_per_session=${limit}): subscribe rejected`, { identifier });
      socket.sendText(encodeSubscriptionRejection(identifier));
      return;
    }
    const local = this.context.streams.resolve(identifier);
    if (local.kind !== 'rpc') return this.subscribeLocally(session, identifier, local, history, presence);
    const response = await this.command(session, 'subscribe', identifier, '', null);
    if (typeof response === 'string') {
      if (session.isConnected) socket.sendText(encodeSubscriptionRejection(identifier));
      return;
    }
    if (response.status === Status.SUCCESS) {
      const subscription: Subscription = { istate: null, streams: null, local: false };
      subscriptions.add(identifier, subscription);
      session.markSubscribedOverRpc();
      // Live frames wait from the first followed stream until the history answer is written.
      const wantsHistory = history !== undefined && Boolean(history.since || history.streams);
      if (wantsHistory) delivery.holdForAnswer(identifier);
      this.apply(session, response, identifier, subscription);
      session.commit();
      await this.presenceFromRpc(session, response, identifier);
      const current = (): boolean => session.isConnected && subscriptions.get(identifier) === subscription;
      if (wantsHistory) {
        if (current()) await this.history(session, identifier, history);
        else delivery.answered(identifier, new Map());
      }
      if (presence !== undefined && current()) await this.presence.join(session, identifier, subscription.istate, presence);
    } else if (response.status === Status.FAILURE) {
      session.log('info', 'subscription rejected', { identifier, error: response.error_msg || undefined });
      this.apply(session, response, identifier, null);
    } else {
      session.log('error', 'subscribe answered ERROR', { identifier, error: response.error_msg });
    }
  }

  /**
   * A signed, public or Turbo stream (see StreamChannels): confirmed and followed, or rejected, with
   * no RPC. The stream is the subscription's whisper stream when whisper is allowed on it.
   */
  private async subscribeLocally(
    session: CommandSession,
    identifier: string,
    local: Exclude<StreamSubscription, { kind: 'rpc' }>,
    history?: HistoryRequest,
    presence?: unknown,
  ): Promise<void> {
    if (local.kind === 'reject') {
      session.log('debug', 'stream subscription rejected', { identifier, reason: local.reason });
      session.socket.sendText(encodeSubscriptionRejection(identifier));
      return;
    }
    const istate: StringMap = {};
    if (local.whisper) istate.$w = local.stream;
    if (local.presence) istate.$p = local.stream;
    const subscription: Subscription = { istate: Object.keys(istate).length > 0 ? istate : null, streams: null, local: true };
    session.subscriptions.add(identifier, subscription);
    const wantsHistory = history !== undefined && Boolean(history.since || history.streams);
    if (wantsHistory) session.delivery.holdForAnswer(identifier);
    session.subscriptions.follow(identifier, subscription, local.stream);
    session.socket.sendText(encodeSubscriptionConfirmation(identifier));
    session.commit();
    if (wantsHistory) await this.history(session, identifier, history);
    if (presence !== undefined && session.isConnected && session.subscriptions.get(identifier) === subscription) {
      await this.presence.join(session, identifier, subscription.istate, presence);
    }
  }

  async unsubscribe(session: CommandSession, identifier: string): Promise<void> {
    const subscription = session.subscriptions.get(identifier);
    if (!subscription) {
      session.badInput('unsubscribe from an unknown subscription: ignored', { identifier });
      return;
    }
    // Whatever RPC answers, the subscription is gone: no broadcast reaches it from now on.
    session.subscriptions.remove(identifier, subscription);
    session.delivery.forget(identifier);
    session.commit();
    await this.presence.unsubscribed(session, identifier, subscription.istate);
    // anycable-go's streams controller answers an unsubscribe with nothing at all.
    if (subscription.local) return;
    const response = await this.command(session, 'unsubscribe', identifier, '', subscription.istate);
    if (typeof response === 'string') return;
    if (response.status === Status.ERROR) session.log('error', 'unsubscribe answered ERROR', { identifier, error: response.error_msg });
    else this.apply(session, response, identifier, null);
  }

  async perform(session: CommandSession, identifier: string, data: string): Promise<void> {
    const subscription = session.subscriptions.get(identifier);
    if (!subscription) {
      session.badInput('message for an unknown subscription: ignored', { identifier });
      return;
    }
    if (subscription.local) {
      session.badInput('message to a stream subscription (no channel to perform it): ignored', { identifier });
      return;
    }
    const response = await this.command(session, 'message', identifier, data, subscription.istate);
    if (typeof response === 'string') {
      if (session.isConnected) session.socket.sendText(encodeCommandRefused(identifier, response, 'message', data));
      return;
    }
    if (response.status === Status.ERROR) {
      session.log('error', 'message answered ERROR', { identifier, error: response.error_msg });
      return;
    }
    this.apply(session, response, identifier, session.subscriptions.get(identifier) === subscription ? subscription : null);
    await this.presenceFromRpc(session, response, identifier);
  }

  /**
   * anycable-go's history command (both protocols): the missed messages of the subscription's
   * streams in order, then `confirm_history`; `reject_history` when one stream cannot be served
   * (or there is no broker). The subscription's live frames wait meanwhile and follow the answer,
   * without those it already sent.
   */
  async history(session: CommandSession, identifier: string, request: HistoryRequest): Promise<void> {
    const subscription = session.subscriptions.get(identifier);
    if (!subscription) {
      session.badInput('history for an unknown subscription: ignored', { identifier });
      return;
    }
    session.delivery.holdForAnswer(identifier);
    const answer = await answerHistory(this.context.broker, identifier, streamsOf(subscription), request);
    if (!session.isConnected) return;
    if (answer.ok) {
      for (const frame of answer.frames) session.socket.sendText(frame);
      session.socket.sendText(encodeHistoryReply(identifier, true));
    } else {
      session.log('debug', 'history rejected', { identifier, stream: answer.stream, error: answer.error });
      session.socket.sendText(encodeHistoryReply(identifier, false));
    }
    session.delivery.answered(identifier, answer.ok ? answer.covered : new Map());
  }

  whisper(session: CommandSession, identifier: string, data: unknown): void {
    const stream = session.subscriptions.get(identifier)?.istate?.$w;
    if (!stream) {
      session.badInput('whisper without a whisper stream for this subscription: ignored', { identifier });
      return;
    }
    // Transient (never stored in history); through the pub/sub layer, so it reaches other gateways too.
    this.context.whispers.publish({ stream, data: JSON.stringify(data), meta: { exclude_socket: session.sid, transient: true } });
  }

  /** The `presence` of a Command answer (after its state was merged: the answer may set `$p` itself). */
  private async presenceFromRpc(session: CommandSession, response: CommandResponse, identifier: string): Promise<void> {
    if (!response.presence?.type || !session.isConnected) return;
    await this.presence.fromRpc(session, identifier, this.istateOf(session, identifier), response.presence);
  }

  /**
   * Runs one Command call within its client's deadline; the refusal when it gave no answer (logged; the
   * caller refuses it with a frame: a subscribe is rejected, a message gets an `error` reply; an
   * unsubscribe has no answer to give, the subscription is gone already).
   */
  private async command(
    session: CommandSession,
    name: CommandName,
    identifier: string,
    data: string,
    istate: StringMap | null,
  ): Promise<CommandResponse | CommandRefusal> {
    // Only a message counts its deadline from its arrival. A subscribe waits its turn behind the Connect
    // calls of a connect storm (its deadline from its first attempt, as before): refusing it there would
    // lose a subscription that Action Cable clients do not ask for again (seen at 10,000 connections).
    const notAfter = name === 'message' ? session.commandNotAfter : undefined;
    try {
      return await this.context.rpc.command(
        session.sid,
        { command: name, identifier, connection_identifiers: session.connectionIdentifiers, data, env: session.envWith(istate) },
        notAfter,
      );
    } catch (error) {
      const refusal = error instanceof RpcCallError && !error.mayHaveRun ? 'rpc_unavailable' : 'rpc_timeout';
      // debug: the RPC client logs an outage once; a line per refused command would flood the log.
      session.log('debug', `${name} got no answer (${refusal}): refused`, { identifier, err: (error as Error).message });
      return refusal;
    }
  }

  /**
   * Applies a Command answer in the contract's order: remember `disconnect`; stop streams (all,
   * or the listed ones); follow new streams; merge state; send transmissions verbatim; then close
   * if asked. Its `presence` is applied by the caller afterwards (it awaits the broker). A session
   * closing meanwhile only records state (for Disconnect).
   */
  private apply(session: CommandSession, response: CommandResponse, identifier: string, subscription: Subscription | null): void {
    const live = session.isConnected;
    const { subscriptions } = session;
    if (subscription) {
      if (response.stop_streams) subscriptions.stopAll(identifier, subscription);
      else for (const stream of response.stopped_streams) subscriptions.stop(identifier, subscription, stream);
      if (live) for (const stream of response.streams) subscriptions.follow(identifier, subscription, stream);
    }
    if (response.env) {
      session.mergeConnectionState(response.env.cstate);
      if (subscription) subscription.istate = mergeState(subscription.istate, response.env.istate);
    }
    const changed =
      response.stop_streams || response.stopped_streams.length > 0 || response.streams.length > 0 || hasEntries(response.env?.cstate) || hasEntries(response.env?.istate);
    if (live && changed) session.commit();
    if (live) session.sendTransmissions(response.transmissions);
    if (response.disconnect) {
      session.log('info', 'RPC asked to disconnect the session');
      session.closeWith(CloseCode.NORMAL);
    }
  }
}
