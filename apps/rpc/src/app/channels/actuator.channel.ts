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

type ActuatorContext = ChannelContext<ActuatorParams, ActuatorState, AppIdentifiers>;

/**
 * An actuator signed-in users talk through: `{"channel":"actuator","id":"a1"}` follows `actuator_a1`;
 * `speak({message})` broadcasts `{user, message, sid}` to it.
 */
@Channel({ name: 'actuator', aliases: ['ActuatorChannel'] })
export class ActuatorChannel implements ChannelHandler<ActuatorParams, ActuatorState, AppIdentifiers> {
  private readonly logger = new Logger('ActuatorChannel');

  constructor(private readonly broadcasts: BroadcastService) {}

  subscribed(ctx: ActuatorContext): void {
    const id = readIdParam(ctx.params.id);
    if (id === undefined || ctx.identifiers.current_user_id === null) return ctx.reject();
    ctx.state.id = id;
    ctx.state.spoken = 0;
    ctx.streamFrom(streamOf(id));
  }

  @Action('speak')
  async speak(ctx: ActuatorContext, data: SpeakDto): Promise<void> {
    const id = ctx.state.id;
    if (id === undefined) throw new Error(`actuator subscription ${ctx.identifier} has no id in its state`);
    await this.broadcasts.broadcast(streamOf(id), {
      user: ctx.identifiers.current_user_id,
      message: data.message,
      sid: ctx.identifiers.sid,
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
