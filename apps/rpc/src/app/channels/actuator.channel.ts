import { Logger } from '@nestjs/common';
import { Action, Channel, type ChannelContext, type ChannelHandler } from '#libs/cable';
import { BroadcastService } from '#libs/broadcaster';
import type { AppIdentifiers } from '../app-identifiers.js';
import { readIdParam } from './channel-params.js';
import { SpeakDto } from './speak.dto.js';

interface ActuatorParams {
  id?: unknown;
}

interface ActuatorState {
  /** The actuator followed, set on subscribe. */
  id?: string;
  /** How many messages this subscription spoke: survives between commands through istate. */
  spoken?: number;
}

/** What the console shows of each person watching an actuator. */
export interface ActuatorWatcher {
  name: string;
}

type ActuatorContext = ChannelContext<ActuatorParams, ActuatorState, AppIdentifiers, Record<string, unknown>, ActuatorWatcher>;

/**
 * An actuator signed-in users talk through: `{"channel":"actuator","id":"a1"}` follows `actuator_a1`;
 * `speak({message})` broadcasts `{user, message, sid}` to it. Whoever subscribes joins the
 * actuator's presence set as their user id (two tabs of one user count once); the gateway tells
 * every subscriber `join` / `leave`, and drops a closed page presence_ttl seconds later.
 */
@Channel({ name: 'actuator', aliases: ['ActuatorChannel'] })
export class ActuatorChannel implements ChannelHandler<ActuatorParams, ActuatorState, AppIdentifiers, Record<string, unknown>, ActuatorWatcher> {
  private readonly logger = new Logger('ActuatorChannel');

  constructor(private readonly broadcasts: BroadcastService) {}

  subscribed(ctx: ActuatorContext): void {
    const id = readIdParam(ctx.params.id);
    if (id === undefined || ctx.identifiers.current_user_id === null) return ctx.reject();
    ctx.state.id = id;
    ctx.state.spoken = 0;
    ctx.streamFrom(streamOf(id));
    ctx.presence.join(ctx.identifiers.current_user_id, { name: ctx.identifiers.current_user_id });
  }

  @Action('speak')
  async speak(ctx: ActuatorContext, data: SpeakDto): Promise<void> {
    const id = ctx.state.id;
    if (id === undefined) throw new Error(`actuator subscription ${ctx.identifier} has no id in its state`);
    await this.broadcasts.broadcast(streamOf(id), {
      user: ctx.identifiers.current_user_id,
      message: data.message,
      // A token-identified session has no sid identifier (no Connect ran): the gateway's session id then.
      sid: ctx.identifiers.sid ?? ctx.sid,
    });
    ctx.state.spoken = (ctx.state.spoken ?? 0) + 1;
  }

  unsubscribed(ctx: ActuatorContext): void {
    this.logger.debug(`unsubscribed sid=${ctx.sid} channel=actuator id=${ctx.state.id ?? '?'} spoken=${ctx.state.spoken ?? 0}`);
  }
}

function streamOf(id: string): string {
  return `actuator_${id}`;
}
