/**
 * Unknown option names are mistakes (`clockTolerence`, `jwks.cacheMaxAg`): refuse them at construction,
 * naming the key and the closest known one, instead of silently running with the default.
 */

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), for "did you mean". */
function distance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `key`, when it is close enough to be a likely misspelling. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const candidateLower = candidate.toLowerCase();
    let score = distance(lower, candidateLower);
    // A prefix ("cacheMaxAg" of "cacheMaxAge") or a case slip is as likely a typo as one edit.
    if (candidateLower.startsWith(lower) || lower.startsWith(candidateLower)) score = Math.min(score, 1);
    if (score < bestDistance) {
      bestDistance = score;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/**
 * Throws a `TypeError` naming the first own key of `value` that is not in `known`, and the closest
 * known name. `path` is where the object sits in the options ('' at the top, 'jwks', 'issuer[1]').
 *
 * @example
 * ```ts
 * rejectUnknownKeys({ clockTolerence: 5 }, ['clockTolerance'], '');
 * // TypeError: Portcullis: option "clockTolerence" is not a known option (did you mean "clockTolerance"?)
 * ```
 */
export function rejectUnknownKeys(value: object, known: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const prefix = path === '' ? '' : `${path}.`;
    const hint = closestKey(key, known);
    const suggestion = hint === undefined ? `; known options: ${known.join(', ')}` : ` (did you mean "${prefix}${hint}"?)`;
    throw new TypeError(`Portcullis: option "${prefix}${key}" is not a known option${suggestion}`);
  }
}
