// Runs once per `vitest run`: one line per missing program, saying that the suites needing it skip (or,
// under PORTCULLIS_REQUIRE_BINARIES=1 as in CI, fail: requireBinary throws in each of those files).
import { missingLines } from './binaries.js';

export default function setup(): void {
  for (const line of missingLines()) console.warn(line);
}
