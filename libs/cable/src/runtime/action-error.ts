/**
 * Why a `message` command ran no action. Sent to the client as the message of a transmission,
 * with status FAILURE:
 * `{"identifier": <id>, "message": {"error": "invalid_data", "action": "speak", "details": [...]}}`
 * - `malformed_data`: `data` is not a JSON object with a string `action`;
 * - `unknown_action`: the channel has no such action;
 * - `invalid_data`: the action's DTO refused the data; `details` says which property and why.
 */
export type ActionErrorCode = 'malformed_data' | 'unknown_action' | 'invalid_data';

/** One refused property of an action's data. */
export interface ValidationErrorDetail {
  /** Dotted path of the property, e.g. `message` or `address.street` or `items.0.name`. */
  property: string;
  /** class-validator constraint name → its message, e.g. `{"isNotEmpty": "message should not be empty"}`. */
  constraints: Record<string, string>;
}

/** The `message` of an action error transmission (see {@link ActionErrorCode}). */
export interface ActionErrorMessage {
  error: ActionErrorCode;
  /** The action the client asked for, when it named one. */
  action?: string;
  /** For `invalid_data`: every refused property. */
  details?: ValidationErrorDetail[];
}
