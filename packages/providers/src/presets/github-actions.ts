import { audienceList, baseUrl, checkKeys, fail, optionalString } from '../preset.js';
import type { ProviderOptions } from '../preset.js';

/**
 * Options of {@link githubActions}. At least `owner` or `repository`: any repository on GitHub can get a
 * token, so the issuer alone trusts the world.
 *
 * @example
 * ```ts
 * const options: GithubActionsOptions = { repository: 'octo-org/orders', environment: 'production' };
 * ```
 */
export interface GithubActionsOptions {
  /** The `aud` workflows ask for (`core.getIDToken(audience)`). Default `https://github.com/<owner>`, GitHub's own default. */
  audience?: string | readonly string[];
  /** `repository_owner` must equal it: the organization or user. */
  owner?: string;
  /** `repository` must equal it: `owner/name`. */
  repository?: string;
  /** `ref` must equal it: `refs/heads/main`, `refs/tags/v1`. */
  ref?: string;
  /** `environment` must equal it: the job's deployment environment. */
  environment?: string;
  /** Instead of `https://token.actions.githubusercontent.com`: GitHub Enterprise Server (`https://HOSTNAME/_services/token`), an enterprise's own issuer, or a fake issuer in tests. */
  issuer?: string;
}

const KEYS = ['audience', 'owner', 'repository', 'ref', 'environment', 'issuer'];

/**
 * GitHub Actions OIDC tokens, for an API called from workflows: keys at `<issuer>/.well-known/jwks`;
 * `repository_owner`, `repository`, `ref` and `environment` must have the values given (a token of another
 * repository is a 401). Per-route checks of other claims (`job_workflow_ref`, `event_name`) go in the
 * adapters' claim requirements.
 *
 * @example
 * ```ts
 * import { githubActions } from '@portcullis/providers';
 * app.use(requireAuth(githubActions({ repository: 'octo-org/orders', environment: 'production', audience: 'https://deploy.example.com' })));
 * ```
 */
export function githubActions(options: GithubActionsOptions): ProviderOptions {
  const given = checkKeys('githubActions', options, KEYS);
  const owner = optionalString('githubActions', given, 'owner');
  const repository = optionalString('githubActions', given, 'repository');
  if (owner === undefined && repository === undefined) {
    fail('githubActions', 'repository', 'or owner is required: every repository on GitHub can get a token from this issuer');
  }
  if (repository !== undefined && !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository)) fail('githubActions', 'repository', `must be owner/name, got ${JSON.stringify(repository)}`);
  const repositoryOwner = owner ?? repository!.split('/')[0]!;
  if (owner !== undefined && repository !== undefined && !repository.toLowerCase().startsWith(`${owner.toLowerCase()}/`)) {
    fail('githubActions', 'repository', `is not a repository of owner ${owner}`);
  }
  const ref = optionalString('githubActions', given, 'ref');
  if (ref !== undefined && !ref.startsWith('refs/')) fail('githubActions', 'ref', `must be a full ref such as refs/heads/main, got ${JSON.stringify(ref)}`);
  const environment = optionalString('githubActions', given, 'environment');
  const audience = given.audience === undefined ? `https://github.com/${repositoryOwner}` : audienceList('githubActions', given, 'audience');
  const issuer = baseUrl('githubActions', given, 'issuer') ?? 'https://token.actions.githubusercontent.com';
  const required: Record<string, string> = { repository_owner: repositoryOwner };
  if (repository !== undefined) required.repository = repository;
  if (ref !== undefined) required.ref = ref;
  if (environment !== undefined) required.environment = environment;
  return { issuer: [{ issuer, jwksUri: `${issuer}/.well-known/jwks`, audience, requiredClaimValues: required }] };
}
