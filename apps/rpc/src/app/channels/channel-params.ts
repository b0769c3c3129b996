/** Longest id accepted in a channel param: ids go into stream names, which should stay short. */
const MAX_ID_LENGTH = 128;

/**
 * Reads an id param of an identifier (`post_id`, `id`): a non-empty string without whitespace, or an
 * integer, as a string. Undefined for anything else, so the channel can reject the subscription.
 */
export function readIdParam(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_ID_LENGTH || /\s/.test(value)) return undefined;
  return value;
}
