import { SampleBuffer } from '../statistics.js';
import type { LoadConnection } from './load-connection.js';
import type { SteadyCommandsReply, SteadyCommandsRequest } from './worker-messages.js';

/** The sending clock: every tick sends for the connections whose slot it is. */
const TICK_MS = 20;

/** What is known of one command. */
interface Outcome {
  sentAt: number;
  answered: boolean;
  refused: 'rpc_unavailable' | 'rpc_timeout' | null;
}

/**
 * The deploy scenario's client side: numbered commands at a steady rate on every connection, each
 * matched with its outcome by its number (the app's broadcast carries it back; a refusal frame carries
 * the data sent). Counters only, plus one latency sample per command.
 */
export class SteadyCommandRun {
  run(connections: LoadConnection[], request: SteadyCommandsRequest): Promise<SteadyCommandsReply> {
    const reply: SteadyCommandsReply = {
      kind: 'steady-commands',
      sent: 0,
      answered: 0,
      refusedUnrun: 0,
      refusedMaybeRun: 0,
      answeredAfterRefusal: 0,
      duplicates: 0,
      unanswered: 0,
      dropped: 0,
      outcomeMs: new Float32Array(0),
    };
    const latency = new SampleBuffer(1 << 20);
    const outcomes = new Map<LoadConnection, Map<number, Outcome>>();
    let open = 0;
    let nextNumber = 0;
    const settle = (outcome: Outcome): void => {
      latency.push(Date.now() - outcome.sentAt);
      open -= 1;
    };
    for (const connection of connections) {
      const mine = new Map<number, Outcome>();
      outcomes.set(connection, mine);
      connection.closeTap = () => reply.dropped++;
      connection.frameTap = (frame) => {
        const parsed = parseFrame(frame);
        if (!parsed || parsed.identifier !== connection.target.identifier) return false;
        const outcome = mine.get(parsed.number);
        if (!outcome) return parsed.kind !== 'other';
        if (parsed.kind === 'answer') {
          if (outcome.answered) reply.duplicates++;
          else if (outcome.refused === 'rpc_timeout') reply.answeredAfterRefusal++;
          else if (outcome.refused) reply.duplicates++;
          else {
            reply.answered++;
            settle(outcome);
          }
          outcome.answered = true;
          return true;
        }
        if (parsed.kind === 'refused') {
          // rpc_timeout after the answer's broadcast: the same race as the other order (the app ran it, its reply was late).
          if (outcome.answered && !outcome.refused && parsed.error === 'rpc_timeout') reply.answeredAfterRefusal++;
          else if (outcome.answered || outcome.refused) reply.duplicates++;
          else {
            if (parsed.error === 'rpc_timeout') reply.refusedMaybeRun++;
            else reply.refusedUnrun++;
            settle(outcome);
          }
          outcome.refused = parsed.error === 'rpc_timeout' ? 'rpc_timeout' : 'rpc_unavailable';
          return true;
        }
        return false;
      };
    }
    const slots = Math.max(1, Math.round(request.periodMs / TICK_MS));
    const started = Date.now();
    let tick = 0;
    return new Promise((resolve) => {
      const finish = (): void => {
        clearInterval(sender);
        clearInterval(watcher);
        for (const connection of connections) {
          connection.frameTap = null;
          connection.closeTap = null;
        }
        reply.unanswered = open;
        reply.outcomeMs = latency.toArray();
        resolve(reply);
      };
      const sender = setInterval(() => {
        if (Date.now() - started >= request.durationMs) {
          clearInterval(sender);
          return;
        }
        const slot = tick++ % slots;
        for (let index = slot; index < connections.length; index += slots) {
          const connection = connections[index];
          if (connection.state !== 'subscribed') continue;
          const number = nextNumber++;
          outcomes.get(connection)!.set(number, { sentAt: Date.now(), answered: false, refused: null });
          open += 1;
          reply.sent += 1;
          connection.send(connection.protocol.commandFrame(connection.target, { ...request.data, message: `steady-${number}` }, 0));
        }
      }, TICK_MS);
      const watcher = setInterval(() => {
        const elapsed = Date.now() - started;
        if (elapsed < request.durationMs) return;
        if (open === 0 || elapsed >= request.durationMs + request.graceMs) finish();
      }, 100);
    });
  }
}

type ParsedFrame =
  | { kind: 'answer' | 'other'; identifier: unknown; number: number }
  | { kind: 'refused'; identifier: unknown; number: number; error: string };

/** A command's number from its answer (the broadcast's `message`) or its refusal (the data it echoes). */
function parseFrame(frame: string): ParsedFrame | null {
  let parsed: { identifier?: unknown; type?: unknown; message?: { message?: unknown; error?: unknown; data?: unknown } };
  try {
    parsed = JSON.parse(frame) as typeof parsed;
  } catch {
    return null;
  }
  const message = parsed.message;
  if (!message || typeof message !== 'object') return null;
  if (parsed.type === 'error' && typeof message.data === 'string') {
    const data = JSON.parse(message.data) as { message?: unknown };
    return { kind: 'refused', identifier: parsed.identifier, number: numberOf(data.message), error: String(message.error) };
  }
  const number = numberOf(message.message);
  return { kind: Number.isNaN(number) ? 'other' : 'answer', identifier: parsed.identifier, number };
}

function numberOf(text: unknown): number {
  return typeof text === 'string' && text.startsWith('steady-') ? Number(text.slice(7)) : Number.NaN;
}
