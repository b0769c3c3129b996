import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { IsInt, Min } from 'class-validator';
import {
  Action,
  CableConnection,
  CableModule,
  Channel,
  type ChannelContext,
  type ChannelHandler,
  type ConnectContext,
  type ConnectionHandler,
  type DisconnectContext,
} from '#libs/cable';
import { BroadcastContext } from '#libs/broadcaster';

/**
 * A test-only app on the cable framework whose code throws on demand, to check that app exceptions
 * become status ERROR (logged with a stack) and never crash the process; and that holds calls open on
 * demand, to check the bound on calls in flight.
 */

type Identifiers = { user: string | null };

/** What the hooks ran, in order, for the test to read. */
@Injectable()
export class Journal {
  readonly events: string[] = [];
}

@CableConnection({ identifiedBy: ['user'] })
export class FaultyConnection implements ConnectionHandler<Identifiers, { visits?: number }> {
  constructor(private readonly journal: Journal) {}

  disconnect(ctx: DisconnectContext<Identifiers, { visits?: number }>): void {
    this.journal.events.push(`disconnect sid=${ctx.sid} user=${ctx.identifiers.user} visits=${ctx.state.visits}`);
  }

  connect(ctx: ConnectContext<Identifiers, { visits?: number }>): void {
    if (ctx.request.query.has('explode')) throw new Error('connect exploded');
    if (ctx.request.query.has('undeclared')) ctx.identify({ nope: 1 } as never);
    ctx.state.visits = (ctx.state.visits ?? 0) + 1;
    ctx.identify({ user: ctx.request.query.get('user') });
  }
}

/** Calls parked by the `hold` action until the test releases them. */
@Injectable()
export class HeldCalls {
  private readonly waiting: Array<() => void> = [];
  get count(): number {
    return this.waiting.length;
  }
  hold(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  releaseAll(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

class CountDto {
  @IsInt()
  @Min(1)
  by!: number;
}

type FaultyContext = ChannelContext<{ explode?: boolean; explode_on_leave?: boolean }, { count?: number; big?: unknown }, Identifiers>;

@Channel('faulty')
export class FaultyChannel implements ChannelHandler {
  constructor(
    private readonly held: HeldCalls,
    private readonly journal: Journal,
  ) {}

  subscribed(ctx: FaultyContext): void {
    if (ctx.params.explode) throw new TypeError('subscribed exploded');
    ctx.streamFrom('faulty');
  }

  unsubscribed(ctx: FaultyContext): void {
    if (ctx.params.explode_on_leave) throw new Error(`unsubscribed exploded with count ${ctx.state.count}`);
    this.journal.events.push(`unsubscribed sid=${ctx.sid} ${ctx.identifier} count=${ctx.state.count} user=${ctx.identifiers.user}`);
  }

  @Action()
  boom(): void {
    throw new Error('kaboom');
  }

  @Action('reject-non-error')
  rejectNonError(): Promise<void> {
    return Promise.reject('a plain string');
  }

  @Action('unencodable')
  unencodable(ctx: FaultyContext): void {
    ctx.state.big = 10n;
  }

  @Action('count')
  count(ctx: FaultyContext, data: CountDto): void {
    ctx.state.count = (ctx.state.count ?? 0) + data.by;
    ctx.transmit({ count: ctx.state.count, session: BroadcastContext.currentSocketId() });
  }

  @Action('hold')
  async hold(ctx: FaultyContext): Promise<void> {
    await this.held.hold();
    ctx.transmit('released');
  }
}

@Module({})
export class FaultyAppModule {
  static register(maxConcurrentCalls: number): DynamicModule {
    return {
      module: FaultyAppModule,
      imports: [
        // The connection and the channel are this module's providers: the cable module discovers them.
        CableModule.forRoot({ maxConcurrentCalls, sessionContext: BroadcastContext }),
      ],
      providers: [HeldCalls, Journal, FaultyConnection, FaultyChannel],
      exports: [HeldCalls, Journal],
    };
  }
}
