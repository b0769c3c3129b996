import { Injectable } from '@nestjs/common';
import { INJECTABLE_WATERMARK } from '@nestjs/common/constants.js';

/**
 * Makes `target` a Nest provider, unless an `@Injectable()` of its own already did: its options (a scope)
 * must survive, whichever order the decorators are written in.
 */
export function ensureInjectable(target: Function): void {
  if (!Reflect.getOwnMetadata(INJECTABLE_WATERMARK, target)) Injectable()(target);
}
