/**
 * What every conformance runner collects and checks the same way: each row's answer from each adapter,
 * and that refusals are byte-identical across adapters.
 */
import { expect } from 'vitest';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Answers by row name, then by adapter name. */
export type AnswersByRow = Map<string, Map<string, Answer>>;

/**
 * Every row was answered by every adapter (or by as many as `adapters` says for that row), and each refusal (status ≥ 400) matches the first adapter's
 * in status, challenge, content type, body, and the presence of each header in `presenceOf`.
 */
export function expectIdenticalRefusals(
  answers: AnswersByRow,
  rows: number,
  adapters: number | ((row: string) => number),
  presenceOf: readonly string[],
): void {
  expect(answers.size).toBe(rows);
  for (const [name, byAdapter] of answers) {
    expect(byAdapter.size, name).toBe(typeof adapters === 'number' ? adapters : adapters(name));
    const [first, ...rest] = [...byAdapter.values()];
    if (first!.status < 400) continue;
    for (const other of rest) {
      expect(other.status, name).toBe(first!.status);
      expect(other.headers['www-authenticate'], name).toBe(first!.headers['www-authenticate']);
      expect(other.headers['content-type'], name).toBe(first!.headers['content-type']);
      for (const header of presenceOf) expect(other.headers[header] !== undefined, name).toBe(first!.headers[header] !== undefined);
      expect(other.body, name).toBe(first!.body);
    }
  }
}
