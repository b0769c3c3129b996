/** A mistake in how the app declares its connection or channels, found at startup. */
export class CableConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CableConfigurationError';
  }
}
