import type { ClientCommand, HistoryRequest } from '#libs/protocol';

/** A client frame turned into a command, or the reason it was refused (for the session's log line). */
export type DecodedCommand = { ok: true; command: ClientCommand } | { ok: false; error: string };

/**
 * Decodes one text frame of the Action Cable protocol. Pure and total: any input yields a
 * command or an error, never an exception. Identifiers and `data` stay the exact strings
 * the client sent: they are passed verbatim to RPC and echoed verbatim in frames.
 */
export function decodeClientCommand(text: string): DecodedCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'not a JSON object' };
  }
  const frame = parsed as Record<string, unknown>;
  const command = frame.command;
  if (typeof command !== 'string') return { ok: false, error: 'missing "command"' };
  if (command === 'pong') return { ok: true, command: { command } };

  const identifier = frame.identifier;
  if (typeof identifier !== 'string' || identifier === '') {
    return { ok: false, error: `${JSON.stringify(command).slice(0, 40)}: missing or non-string "identifier"` };
  }
  switch (command) {
    case 'subscribe': {
      // The extended protocol's clients (@anycable/web) ask for history with the subscribe command.
      const history = historyOf(frame);
      // ...and re-join presence with it after a reconnect (anycable-go joins once confirmed).
      return {
        ok: true,
        command: { command, identifier, ...(history ? { history } : {}), ...(frame.presence !== undefined ? { presence: frame.presence } : {}) },
      };
    }
    case 'unsubscribe':
      return { ok: true, command: { command, identifier } };
    case 'message':
      if (typeof frame.data !== 'string') return { ok: false, error: 'message: "data" must be a string' };
      return { ok: true, command: { command, identifier, data: frame.data } };
    case 'history': {
      const history = historyOf(frame);
      if (!history) return { ok: false, error: 'history: "history" must be an object' };
      return { ok: true, command: { command, identifier, history } };
    }
    case 'whisper':
      if (frame.data === undefined) return { ok: false, error: 'whisper: missing "data"' };
      return { ok: true, command: { command, identifier, data: frame.data } };
    case 'join':
      return { ok: true, command: { command, identifier, presence: frame.presence } };
    case 'leave':
    case 'presence':
      return { ok: true, command: { command, identifier } };
    default:
      return { ok: false, error: `unknown command ${JSON.stringify(command).slice(0, 60)}` };
  }
}

/** The frame's `history` object, if it has one. */
function historyOf(frame: Record<string, unknown>): HistoryRequest | null {
  const history = frame.history;
  return typeof history === 'object' && history !== null && !Array.isArray(history) ? (history as HistoryRequest) : null;
}
