/** Command-line parsing shared by the scripts: strict options, no positionals, one-line errors. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how a command was called: the script prints one line and exits 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Options npm took for itself. `npm run plan --config x` (no `--`) hands `--config` to npm,
 * which keeps it as the environment variable `npm_config_config=true` and passes `x` on as a
 * positional argument: the script never sees the flag (seen with npm 11.19: every option before
 * `--` becomes `npm_config_<name>`, `-` as `_`, for the script's environment). Checked only under
 * `npm run` (`npm_lifecycle_event` set), and only for this command's own option names.
 */
export function npmSwallowedOptions(options: Options, env: NodeJS.ProcessEnv): string[] {
  if (env["npm_lifecycle_event"] === undefined) return [];
  return Object.keys(options)
    .filter((name) => env[`npm_config_${name.replaceAll("-", "_")}`] !== undefined)
    .sort();
}

/**
 * `parseArgs` with unknown options and positionals refused, its errors turned into UsageError;
 * options npm swallowed (see npmSwallowedOptions) are named first, with the `--` that keeps them.
 */
export function parseOptions<O extends Options>(argv: string[], options: O, env: NodeJS.ProcessEnv = process.env) {
  const swallowed = npmSwallowedOptions(options, env);
  if (swallowed.length > 0) {
    const flags = swallowed.map((name) => `--${name}${options[name]?.type === "string" ? " …" : ""}`).join(" ");
    throw new UsageError(
      `npm took ${swallowed.map((n) => `--${n}`).join(", ")} for itself: did you forget \`--\`? Run \`npm run ${env["npm_lifecycle_event"] ?? "<script>"} -- ${flags}\``,
    );
  }
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
