// app/.well-known/oauth-protected-resource/orders/route.ts: the RFC 9728 metadata of the resource.
import { resourceMetadataHandler } from '../../../../../../src/index.js';
import { verifier } from '../../../../lib/auth.js';

export const GET = resourceMetadataHandler(verifier);
export const HEAD = GET;
export const OPTIONS = GET;
