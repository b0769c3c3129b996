/**
 * anycable-go's allowed_origins check: the host (with port, if any) of the Origin header must
 * match one of the patterns, where `*` matches any run of characters. No Origin header (a
 * non-browser client) passes, as with anycable-go; an empty pattern list disables the check.
 */
export function isOriginAllowed(origin: string | undefined, patterns: readonly RegExp[]): boolean {
  if (patterns.length === 0 || origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return false;
  }
  return patterns.some((pattern) => pattern.test(host));
}

/** Compiles `*.example.com` style patterns once, at boot. */
export function compileOriginPatterns(patterns: readonly string[]): RegExp[] {
  return patterns.map((pattern) => {
    const escaped = pattern.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    return new RegExp(`^${escaped}$`);
  });
}
