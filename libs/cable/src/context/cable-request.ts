import type { Env } from '#libs/protocol';

/** The WebSocket request a session was opened with, as the gateway reports it in every call's `env`. */
export interface CableRequest {
  /** The full request URL (`http(s)://host/path?query`); `http://localhost/` if the gateway sent none. */
  readonly url: URL;
  /** The URL's query parameters. */
  readonly query: URLSearchParams;
  /**
   * Request headers, names lower-cased. Only those the gateway is configured to pass on
   * (anycable-go's `headers` option, default `cookie`).
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Cookies from the `cookie` header (values URI-decoded when they can be). */
  readonly cookies: Readonly<Record<string, string>>;
  /** The peer address the gateway saw (its `REMOTE_ADDR` pseudo-header), if sent. */
  readonly remoteAddress: string | undefined;
}

const FALLBACK_URL = 'http://localhost/';

/**
 * Reads the request of a call's env. Never throws: a malformed URL or cookie is read as far as possible.
 * Each part is parsed when first read: most calls (a subscribe, an action) never look at the request.
 */
export function readCableRequest(env: Env | null | undefined): CableRequest {
  return new EnvCableRequest(env?.url ?? '', env?.headers);
}

/** A {@link CableRequest} parsed lazily from a call's env, each part once. */
class EnvCableRequest implements CableRequest {
  private parsedUrl: URL | undefined;
  private lowerCasedHeaders: Record<string, string> | undefined;
  private parsedCookies: Record<string, string> | undefined;

  constructor(
    private readonly rawUrl: string,
    private readonly rawHeaders: Readonly<Record<string, string>> | undefined,
  ) {}

  get url(): URL {
    return (this.parsedUrl ??= parseUrl(this.rawUrl));
  }

  get query(): URLSearchParams {
    return this.url.searchParams;
  }

  get headers(): Readonly<Record<string, string>> {
    if (!this.lowerCasedHeaders) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(this.rawHeaders ?? {})) headers[name.toLowerCase()] = value;
      this.lowerCasedHeaders = headers;
    }
    return this.lowerCasedHeaders;
  }

  get cookies(): Readonly<Record<string, string>> {
    return (this.parsedCookies ??= parseCookies(this.headers.cookie ?? ''));
  }

  get remoteAddress(): string | undefined {
    return this.headers.remote_addr;
  }
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw, FALLBACK_URL);
  } catch {
    // A gateway always sends an absolute URL; a broken one is read as if there were none.
    return new URL(FALLBACK_URL);
  }
}

/** Parses a `cookie` header (`a=1; b=2`). The first occurrence of a name wins, as browsers send the most specific first. */
export function parseCookies(header: string): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    const name = part.slice(0, separator).trim();
    if (name === '' || name === '__proto__' || Object.hasOwn(cookies, name)) continue;
    let value = part.slice(separator + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    cookies[name] = decodeCookieValue(value);
  }
  return cookies;
}

function decodeCookieValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not percent-encoded after all (a literal "%"): keep it as sent.
    return value;
  }
}
