import type { BroadcasterOptions } from '../broadcaster-options.js';
import type { BroadcastAdapter } from './broadcast-adapter.js';
import { RedisBroadcastAdapter } from './redis.adapter.js';

/** Builds the adapter `options.adapter` names. */
export function createBroadcastAdapter(options: BroadcasterOptions): BroadcastAdapter {
  switch (options.adapter) {
    case 'redis':
      return new RedisBroadcastAdapter(options);
    default:
      throw new Error(`broadcast adapter "${options.adapter}" is not available yet`);
  }
}
