/**
 * Runs every check in order and formats the report. Everything that touches
 * the outside (the CLI, the CA to trust, file locations, output) is injectable.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";

import { resolveProjectPath } from "../../components/config/paths";
import { ageRecipientOf } from "../../components/config/sops";
import { UsageError } from "../lib/args";
import { exitCodes } from "../lib/exit-codes";
import { readStackConfig, StackFileError } from "../plan/stack-config";
import { type DoctorOptions, parseDoctorArgs, usage } from "./args";
import { checkConfig, parseConfigJson, type StackConfigJson } from "./config";
import { checkFluxSource } from "./flux";
import { checkProvisioningNetwork, localIpv4Addresses } from "./network";
import { checkOnePassword } from "./onepassword";
import { checkProxmox } from "./proxmox";
import { checkPulumiCli, type CommandRunner, execRunner, pulumiConfigJson } from "./pulumi";
import { checkSopsFiles, checkSopsPlaintext, checkSopsRecipients } from "./sops";
import { checkTools } from "./tools";
import { type CheckResult, fail, formatResult, pass } from "./types";

export interface DoctorDeps {
  /** Runs `pulumi`; default: the real CLI. */
  runner?: CommandRunner;
  /** Runs `git` for the flux source check; default: the real git. */
  git?: CommandRunner;
  /** CA certificates to trust for the Proxmox API instead of Node's defaults. */
  ca?: string | Buffer;
  /** Directory of Pulumi.yaml: flux.localCheckout is relative to it. */
  projectRoot?: string;
  /** Directory that relative --config-json and --sops-config paths start from. */
  cwd?: string;
  /** This machine's IPv4 addresses; default: read from its interfaces. */
  localAddresses?: readonly string[];
  /** Where report lines go; default stdout. */
  write?: (line: string) => void;
}

export interface DoctorReport {
  results: CheckResult[];
  /** Checks that could not run, each with its reason: never counted as passed. */
  skipped: string[];
  /** Checks of optional inputs that are not set (no flux.localCheckout): nothing to check, listed apart. */
  notConfigured: string[];
  /** exitCodes.ok when every check ran and passed, .failed on a failure, .incomplete when all passed but some did not run. */
  exitCode: number;
}

/** The config to check, and the secret keys whose values are unknown (encrypted in a --stack-file). */
type LoadedConfig = StackConfigJson & { unread: string[] };

async function loadConfigJson(options: DoctorOptions, runner: CommandRunner, cwd: string): Promise<LoadedConfig | CheckResult> {
  const name = "stack config";
  if (options.stackFile !== undefined) {
    // Read as `npm run plan` reads it: `secure:` values get throwaway values of the right form for the
    // validation, a plaintext secret is refused as by `up`, an unset one is reported missing.
    try {
      const offline = await readStackConfig(resolve(cwd, options.stackFile), { fillMissingSecrets: false });
      return { raw: offline.config, secretKeys: new Set(offline.secretKeys), unread: offline.substituted };
    } catch (error) {
      if (!(error instanceof StackFileError)) throw error;
      return fail(name, error.message, `pass the stack's Pulumi.${options.stack}.yaml`);
    }
  }
  if (options.configJson !== undefined) {
    const path = isAbsolute(options.configJson) ? options.configJson : resolve(cwd, options.configJson);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      return fail(
        name,
        `cannot read --config-json ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        `write it with \`pulumi config --show-secrets --json --stack ${options.stack} > <file>\``,
      );
    }
    try {
      return { ...parseConfigJson(text), unread: [] };
    } catch (error) {
      return fail(
        name,
        `--config-json ${path} ${(error as Error).message}`,
        `write it with \`pulumi config --show-secrets --json --stack ${options.stack} > <file>\``,
      );
    }
  }
  const fromCli = await pulumiConfigJson(runner, options.stack);
  if ("problem" in fromCli) {
    return fail(name, fromCli.problem, `${fromCli.fix}; without the CLI, pass --stack-file Pulumi.${options.stack}.yaml`);
  }
  try {
    return { ...parseConfigJson(fromCli.json), unread: [] };
  } catch (error) {
    return fail(name, `\`pulumi config --json\` output ${(error as Error).message}`, "update the Pulumi CLI, or pass --config-json <file>");
  }
}

export async function runDoctor(options: DoctorOptions, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const runner = deps.runner ?? execRunner;
  const cwd = deps.cwd ?? process.env["INIT_CWD"] ?? process.cwd();
  const projectRoot = deps.projectRoot ?? process.cwd();
  const results: CheckResult[] = [await checkPulumiCli(runner)];
  const skipped: string[] = [];
  const notConfigured: string[] = [];

  const config = await loadConfigJson(options, runner, cwd);
  const checked = "raw" in config ? checkConfig(config, options.stack) : { results: [config] };
  results.push(...checked.results);
  const valid = "valid" in checked ? checked.valid : undefined;

  const unread = "unread" in config ? config.unread : [];
  const encrypted = (keys: string[]) => {
    const missing = keys.filter((k) => unread.includes(`homelab:${k}`));
    return missing.length === 0 ? undefined : `${missing.map((k) => `homelab:${k}`).join(", ")} encrypted in --stack-file`;
  };
  if (valid === undefined) {
    skipped.push("proxmox, sops recipients and 1password (they need a valid stack config)");
  } else {
    const { settings, secrets } = valid;
    // A check that needs a secret encrypted in --stack-file is listed as not run; every other check runs.
    const unreadable = (what: string, keys: string[]) => {
      const reason = encrypted(keys);
      if (reason !== undefined) skipped.push(`${what} (${reason}; the Pulumi CLI or --config-json reads it)`);
      return reason !== undefined;
    };
    const keyUnread = unreadable("age recipient, sops recipients and sops decryption", ["sopsAgeKey"]);
    if (!keyUnread) {
      // The public side of the key, before any `up` has made the ageRecipient output: .sops.yaml and gitops-init need it.
      results.push(
        pass(
          "age recipient",
          `${await ageRecipientOf(secrets.sopsAgeKey)} (of homelab:sopsAgeKey: the cluster recipient for .sops.yaml and \`npm run gitops-init -- --recipient\`)`,
        ),
      );
    }
    results.push(checkProvisioningNetwork(settings, deps.localAddresses ?? localIpv4Addresses()));
    if (!unreadable("proxmox", ["proxmoxApiToken"])) {
      const proxmox = await checkProxmox({
        settings,
        token: secrets.proxmoxApiToken,
        timeoutMs: options.timeoutMs,
        ...(deps.ca !== undefined ? { ca: deps.ca } : {}),
      });
      results.push(...proxmox.results);
      skipped.push(...proxmox.skipped);
    }

    const checkout = settings.flux.localCheckout;
    if (!keyUnread) {
      if (options.sopsConfig !== undefined) {
        const path = isAbsolute(options.sopsConfig) ? options.sopsConfig : resolve(cwd, options.sopsConfig);
        results.push(await checkSopsRecipients(secrets.sopsAgeKey, path, "--sops-config"));
      } else if (checkout !== undefined) {
        const path = resolve(resolveProjectPath(checkout, projectRoot), ".sops.yaml");
        results.push(await checkSopsRecipients(secrets.sopsAgeKey, path, "homelab:flux.localCheckout"));
      } else {
        notConfigured.push("sops recipients (no --sops-config and no homelab:flux.localCheckout)");
      }
    }
    if (checkout !== undefined) {
      const dir = resolveProjectPath(checkout, projectRoot);
      // Without the key the files cannot be opened, but plaintext in them is found without it.
      results.push(keyUnread ? await checkSopsPlaintext(dir) : await checkSopsFiles(secrets.sopsAgeKey, dir));
      results.push(await checkFluxSource(settings.flux, dir, deps.git));
    } else {
      notConfigured.push("sops files and flux source (no homelab:flux.localCheckout)");
    }

    const { mode } = settings.onePassword;
    const onePasswordKeys = mode === "connect" ? ["onePasswordCredentials", "onePasswordConnectToken"] : ["onePasswordServiceAccountToken"];
    if (!unreadable("1password", onePasswordKeys)) results.push(...checkOnePassword(mode, secrets));
  }
  const exitCode = !results.every((r) => r.ok) ? exitCodes.failed : skipped.length > 0 ? exitCodes.incomplete : exitCodes.ok;
  return { results, skipped, notConfigured, exitCode };
}

export function formatReport(report: DoctorReport, stack: string): string[] {
  const failed = report.results.filter((r) => !r.ok).length;
  const notes = report.results.filter((r) => r.note === true).length;
  const lines = report.results.map(formatResult);
  lines.push("");
  // A note passed nothing (the missing CLI): counted apart, so the ok figure is the checks that passed.
  lines.push(`${report.results.length} checks: ${report.results.length - failed - notes} ok, ${notes} noted, ${failed} failed.`);
  // Every check that did not run is listed with its reason: never counted as passed.
  for (const skipped of report.skipped) lines.push(`not run ${skipped}`);
  if (report.skipped.length > 0) lines.push(`${report.skipped.length} not run: not known to pass.`);
  if (report.notConfigured.length > 0) lines.push(`Not configured, so not checked: ${report.notConfigured.join("; ")}.`);
  const noted = report.results.filter((r) => r.note === true).map((r) => r.name);
  lines.push(
    failed > 0
      ? "Fix the FAIL lines above, then run `npm run doctor` again before `pulumi up`."
      : report.skipped.length > 0
        ? `The checks that ran passed, but ${report.skipped.length} did not run (the "not run" lines above): run them before \`pulumi up -s ${stack}\` (exit ${exitCodes.incomplete}).`
        : noted.length > 0
          ? `No check failed; before \`pulumi up -s ${stack}\`, see the note lines above (${noted.join(", ")}).`
          : `Ready for \`pulumi up -s ${stack}\`.`,
  );
  return lines;
}

/** The whole command: parse, check, print; resolves to the exit code (scripts/lib/exit-codes.ts: ok, failed, usage, incomplete). */
export async function main(argv: string[], deps: DoctorDeps = {}): Promise<number> {
  const write = deps.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  let options: DoctorOptions;
  try {
    options = parseDoctorArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    write(`doctor: ${error.message} (see --help)`);
    return 2;
  }
  if (options.help) {
    write(usage);
    return 0;
  }
  if (options.tools === true) {
    write("Checking the workstation tools the quick start uses…");
    const results = await checkTools(deps.runner ?? execRunner);
    for (const result of results) write(formatResult(result));
    const failed = results.filter((r) => !r.ok).length;
    write(
      failed === 0 ? "Every required tool is there." : `${failed} missing: install them with the fix lines above, then run this again.`,
    );
    return failed === 0 ? 0 : 1;
  }
  write(`Checking stack ${options.stack} before \`pulumi up\`…`);
  const report = await runDoctor(options, deps);
  for (const line of formatReport(report, options.stack)) write(line);
  return report.exitCode;
}
