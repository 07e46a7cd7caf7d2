/**
 * The `telemetry` option of a verifier: what its OpenTelemetry spans may carry. Checked once, at
 * construction, by name.
 */
import { rejectUnknownKeys } from '../lib/known-keys.js';
import type { TelemetryOptions } from './otel.js';

/**
 * OpenTelemetry settings of a verifier (spans and metrics go through `@opentelemetry/api`, a no-op
 * until the application registers an SDK).
 *
 * @example
 * ```ts
 * createVerifier({ issuer, audience, telemetry: { clientId: false } });
 * ```
 */
export interface TelemetrySettings {
  /** Record the token's client id on the authentication span (`portcullis.client_id`). Default true. */
  clientId?: boolean | undefined;
}

/** What the verifier keeps of the option. */
export interface ResolvedTelemetry {
  readonly telemetry: TelemetryOptions;
}

function fail(option: string, message: string): never {
  throw new TypeError(`Portcullis: option "${option}" ${message}`);
}

/** Checks the option; a mistake is a `TypeError` naming it. */
export function resolveTelemetrySettings(value: unknown): TelemetryOptions {
  const settings: unknown = value ?? {};
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) fail('telemetry', 'must be an object');
  rejectUnknownKeys(settings, ['clientId'], 'telemetry');
  const { clientId } = settings as TelemetrySettings;
  if (clientId !== undefined && typeof clientId !== 'boolean') fail('telemetry.clientId', 'must be a boolean');
  return Object.freeze({ clientId: clientId !== false });
}
