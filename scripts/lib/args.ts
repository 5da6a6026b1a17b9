/** Command-line parsing shared by the scripts: strict options, no positionals, one-line errors. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how a command was called: the script prints one line and exits 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** `parseArgs` with unknown options and positionals refused, its errors turned into UsageError. */
export function parseOptions<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
