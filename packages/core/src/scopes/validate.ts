/** The `validate` option: a claim requirement of the application's own, run after every built-in check. */
import { AuthError, InvalidTokenError } from '../errors/errors.js';
import type { ValidateFunction } from '../options.js';
import type { JwtHeader } from '../types.js';

/** Runs `validate`: `false` or a throw refuses the token (`custom_validation_failed`); an AuthError it throws is kept. */
export async function runValidate<C extends object>(validate: ValidateFunction<C>, claims: object, header: JwtHeader, realm: string | undefined): Promise<void> {
  let verdict: boolean | void;
  try {
    verdict = await validate(claims as Parameters<ValidateFunction<C>>[0], header);
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new InvalidTokenError({ reason: 'custom_validation_failed', description: 'the token was refused', realm, cause: error });
  }
  if (verdict === false) {
    throw new InvalidTokenError({ reason: 'custom_validation_failed', description: 'the token was refused', realm });
  }
}
