import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayStats } from '../metrics/gateway-stats.js';
import { WS_ENCODER } from '../transport/ws-frame-encoders.js';
import { Hub, type HubSubscriber } from './hub.js';

/** A subscriber recording the frames it was given (the hub only needs sid, encoder and sendFrame). */
function recorder(sid: string): HubSubscriber & { frames: Buffer[]; texts(): unknown[] } {
  const frames: Buffer[] = [];
  return {
    sid,
    encoder: WS_ENCODER,
    frames,
    sendFrame(frame: Buffer) {
      frames.push(frame);
      return true;
    },
    texts() {
      return frames.map((frame) => JSON.parse(frame.subarray(frame[1] < 126 ? 2 : 4).toString()));
    },
  };
}

test('one buffer per identifier group, the same bytes for every subscriber', () => {
  const hub = new Hub(new GatewayStats());
  const [a, b, c] = [recorder('a'), recorder('b'), recorder('c')];
  const id = '{"channel":"Chat"}';
  hub.follow('chat:1', id, a);
  hub.follow('chat:1', id, b);
  hub.follow('chat:1', '{"channel":"Chat","x":1}', c);
  assert.equal(hub.deliver({ stream: 'chat:1', data: '{"text":"hi"}' }), 3);
  assert.equal(a.frames[0], b.frames[0], 'the very same Buffer object');
  assert.deepEqual(a.texts(), [{ identifier: id, message: { text: 'hi' } }]);
  assert.deepEqual(c.texts(), [{ identifier: '{"channel":"Chat","x":1}', message: { text: 'hi' } }]);
  assert.equal(hub.deliver({ stream: 'other', data: 'x' }), 0);
});

test('one session on two identifiers of a stream gets it once per identifier; exclude_socket skips it', () => {
  const hub = new Hub(new GatewayStats());
  const a = recorder('a');
  const b = recorder('b');
  hub.follow('s', 'id1', a);
  hub.follow('s', 'id2', a);
  hub.follow('s', 'id1', b);
  hub.deliver({ stream: 's', data: 'not json' });
  assert.deepEqual(a.texts(), [
    { identifier: 'id1', message: 'not json' },
    { identifier: 'id2', message: 'not json' },
  ]);
  hub.deliver({ stream: 's', data: '1', meta: { exclude_socket: 'a' } });
  assert.equal(a.frames.length, 2);
  assert.equal(b.frames.length, 2);
});

test('interest events fire on the first follow and the last unfollow only', () => {
  const hub = new Hub(new GatewayStats());
  const events: string[] = [];
  hub.addInterestListener({ streamFollowed: (s) => events.push(`+${s}`), streamUnfollowed: (s) => events.push(`-${s}`) });
  const [a, b] = [recorder('a'), recorder('b')];
  hub.follow('s', 'i', a);
  hub.follow('s', 'i', b);
  hub.follow('s', 'j', a);
  hub.unfollow('s', 'i', a);
  hub.unfollow('s', 'i', a);
  hub.unfollow('s', 'j', a);
  assert.deepEqual(events, ['+s']);
  hub.unfollow('s', 'i', b);
  assert.deepEqual(events, ['+s', '-s']);
  assert.equal(hub.streamCount, 0);
  hub.deliver({ stream: 's', data: '1' });
  assert.equal(b.frames.length, 0);
});

test('a stored broadcast: every subscriber gets its position, whatever its protocol, in one buffer per identifier', () => {
  const hub = new Hub(new GatewayStats());
  const [a, b] = [recorder('a'), recorder('b')];
  hub.follow('s', 'id', a);
  hub.follow('s', 'id', b);
  assert.equal(hub.deliver({ stream: 's', data: '{"n":1}' }, { epoch: 'ep', offset: 7 }), 2);
  assert.deepEqual(a.texts(), [{ identifier: 'id', message: { n: 1 }, stream_id: 's', epoch: 'ep', offset: 7 }]);
  assert.equal(a.frames[0], b.frames[0], 'the very same Buffer object');
  hub.deliver({ stream: 's', data: '{"n":2}' });
  assert.deepEqual(a.texts()[1], { identifier: 'id', message: { n: 2 } }, 'a transient broadcast has no position');
});
