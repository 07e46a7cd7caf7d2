// app/orders/[id]/route.ts: a Next.js App Router route handler, written as the README shows.
import { NextResponse, type NextRequest } from 'next/server.js';
import { withAuth } from '../../../../../src/index.js';
import { verifier } from '../../../lib/auth.js';

type Context = { params: Promise<{ id: string }> };

export const GET = withAuth(
  verifier,
  async (request: NextRequest, auth, { params }: Context) => {
    const { id } = await params;
    return NextResponse.json({ id, client: auth.clientId, page: request.nextUrl.searchParams.get('page') });
  },
  { scopes: ['orders:read'] },
);

export const DELETE = withAuth(verifier, async (_request: NextRequest, auth, { params }: Context) => {
  const { id } = await params;
  return new NextResponse(null, { status: 204, headers: { 'x-deleted': `${id} by ${auth.subject}` } });
}, { scopes: ['orders:admin'] });
