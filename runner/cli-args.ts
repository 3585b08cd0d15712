/**
 * A command line's flags, read the same way by every socklab command. A
 * mistake throws UsageError, which the CLI prints as "socklab: <message>"
 * with exit 2 (never a stack trace), naming the flag and how to get help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';

/** A mistake in how a command was called, or in what it was given (exit 2). */
export class UsageError extends Error {}

/** Where students' programs run: `auto` takes bubblewrap when it works. */
export const Sandbox = z.enum(['auto', 'bwrap', 'host']);

/**
 * `args` read against `options`. Strict: an unknown flag is a UsageError
 * that ends with `help` (by default: try `socklab <command> --help`).
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: T, help = `try socklab ${command} --help`) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    // Node's own text for an unknown flag explains "--" for positionals, which no socklab argument needs.
    const problem = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${/'([^']+)'/.exec(e.message)?.[1] ?? e.message}` : e.message;
    throw new UsageError(`${problem} (${help})`);
  }
}

/** `value` by `schema`, or a UsageError naming `what` (the flag) and the first problem. */
export function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`${what}: ${r.error.issues[0]!.message}`);
  return r.data;
}

/** A flag's whole number from min to max, or a UsageError that says so and quotes what was given. */
export function wholeNumber(value: string, min: number, max: number, what: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${what}: expected a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}
