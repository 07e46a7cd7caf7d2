/**
 * Issue 20 item 4: a misspelt option and a missing `audience` must be reported by name, with every
 * TypeScript a user may have (5.x and 7.x). Four snippets, one file each; what each message must name.
 */
export const OPTION_ERROR_SNIPPETS = [
  { file: 'core-misspelt.ts', names: 'clockTolerence', code: "import { createVerifier } from '@portcullis/core';\ncreateVerifier({ issuer: 'https://a.example/', audience: 'api', clockTolerence: 5 });\n" },
  { file: 'core-no-audience.ts', names: 'audience', code: "import { createVerifier } from '@portcullis/core';\ncreateVerifier({ issuer: 'https://a.example/' });\n" },
  { file: 'express-misspelt.ts', names: 'clockTolerence', code: "import { requireAuth } from '@portcullis/express';\nrequireAuth({ issuer: 'https://a.example/', audience: 'api', clockTolerence: 5 });\n" },
  { file: 'express-no-audience.ts', names: 'audience', code: "import { requireAuth } from '@portcullis/express';\nrequireAuth({ issuer: 'https://a.example/' });\n" },
] as const;

/** `tsc --pretty false` output: each file's error text (the error lines and their indented continuations). */
export function errorsByFile(output: string): Record<string, string> {
  const errors: Record<string, string> = {};
  let current: string | undefined;
  for (const line of output.split(/\r?\n/)) {
    const match = /^(?:.*[/\\])?([\w-]+\.ts)\(\d+,\d+\): error TS\d+/.exec(line);
    if (match !== null) current = match[1];
    else if (!/^\s/.test(line)) current = undefined;
    if (current !== undefined) errors[current] = `${errors[current] ?? ''}${line}\n`;
  }
  return errors;
}
