import { baseUrl, checkKeys, fail, requiredString } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link cognito}, as the Amazon Cognito console shows them (User pools > your pool > App clients).
 *
 * @example
 * ```ts
 * const options: CognitoOptions = { region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', clientId: '4pq6ne2fg0elrdtehr6a1qk8ab' };
 * ```
 */
export type CognitoOptions = CognitoPool & ({ clientId: string; clientIds?: never } | { clientIds: readonly string[]; clientId?: never });

interface CognitoPool {
  region: string;
  userPoolId: string;
  /** Instead of `https://cognito-idp.<region>.amazonaws.com`: for tests against a fake issuer. */
  baseUrl?: string;
}

const KEYS = ['region', 'userPoolId', 'clientId', 'clientIds', 'baseUrl'];

/**
 * Amazon Cognito user pool access tokens. They carry no `aud`: `client_id` must be one of the app clients
 * (the audience stand-in), and `token_use` must be `access`, so the pool's ID tokens are refused. Scopes
 * from `scope`, roles from `cognito:groups`.
 *
 * @example
 * ```ts
 * import { cognito } from '@portcullis/providers';
 * app.use(requireAuth(cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbC123', clientId: '4pq6ne2fg0elrdtehr6a1qk8ab' })));
 * ```
 */
export function cognito(options: CognitoOptions): ProviderOptions {
  const given = checkKeys('cognito', options, KEYS);
  const region = requiredString('cognito', given, 'region');
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) fail('cognito', 'region', `must be an AWS region like eu-west-1, got ${JSON.stringify(region)}`);
  const userPoolId = requiredString('cognito', given, 'userPoolId');
  if (!/^[a-z0-9-]+_[A-Za-z0-9]+$/.test(userPoolId)) fail('cognito', 'userPoolId', `must look like ${region}_AbC123, got ${JSON.stringify(userPoolId)}`);
  if (!userPoolId.startsWith(`${region}_`)) fail('cognito', 'userPoolId', `is in region ${userPoolId.split('_')[0]}, not ${region}`);
  if (given.clientId !== undefined && given.clientIds !== undefined) fail('cognito', 'clientIds', 'goes without clientId: give one or the other');
  let clientIds: string[];
  if (given.clientIds !== undefined) {
    const list = given.clientIds;
    if (!Array.isArray(list) || list.length === 0 || !list.every((id) => typeof id === 'string' && id !== '')) {
      fail('cognito', 'clientIds', 'must be a non-empty list of app client ids');
    }
    clientIds = [...(list as string[])];
  } else {
    if (given.clientId === undefined) fail('cognito', 'clientId', 'is required (or clientIds): Cognito access tokens have no aud, client_id stands in for it');
    clientIds = [requiredString('cognito', given, 'clientId')];
  }
  const base = baseUrl('cognito', given, 'baseUrl') ?? `https://cognito-idp.${region}.amazonaws.com`;
  const issuer = `${base}/${userPoolId}`;
  return {
    issuer: [
      {
        issuer,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        audienceClaim: { claim: 'client_id', values: clientIds },
        requiredClaimValues: { token_use: 'access' },
        roleClaims: ['cognito:groups'],
      },
    ],
  };
}
