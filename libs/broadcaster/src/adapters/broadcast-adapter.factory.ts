import type { BroadcasterOptions } from '../broadcaster-options.js';
import type { BroadcastAdapter } from './broadcast-adapter.js';
import { HttpBroadcastAdapter } from './http.adapter.js';
import { NatsBroadcastAdapter } from './nats.adapter.js';
import { RedisBroadcastAdapter } from './redis.adapter.js';
import { RedisxBroadcastAdapter } from './redisx.adapter.js';

/** Builds the adapter `options.adapter` names (it connects in the background; publishes wait within bounds). */
export function createBroadcastAdapter(options: BroadcasterOptions): BroadcastAdapter {
  switch (options.adapter) {
    case 'redis':
      return new RedisBroadcastAdapter(options);
    case 'redisx':
      return new RedisxBroadcastAdapter(options);
    case 'http':
      return new HttpBroadcastAdapter(options);
    case 'nats':
      return new NatsBroadcastAdapter(options);
  }
}
