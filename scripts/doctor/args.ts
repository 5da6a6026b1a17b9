/** The doctor's command line. */
import { parseOptions, UsageError } from "../lib/args";

export interface DoctorOptions {
  /** Stack whose config is checked; default homelab. */
  stack: string;
  /** Read the config from this file (output of `pulumi config --show-secrets --json`) instead of the CLI. */
  configJson?: string;
  /** Read the config from this Pulumi.<stack>.yaml instead of the CLI; its `secure:` values stay unread. */
  stackFile?: string;
  /** The GitOps repository's .sops.yaml; default `<flux.localCheckout>/.sops.yaml` when that is set. */
  sopsConfig?: string;
  /** Per-request limit for the Proxmox API, in ms; default 5000. */
  timeoutMs: number;
  /** Check only the workstation tools the quick start uses. */
  tools?: boolean;
  help: boolean;
}

export const usage = `Usage: npm run doctor -- [options]

Preflight checks before \`pulumi up\`: the Pulumi CLI, the stack config, the
Proxmox API (version, privileges, nodes, storage, bridge, VM ids), the age
recipient in .sops.yaml and the 1Password secrets. Exits 1 if any check fails.

Options:
  --stack <name>          stack to check (default: homelab)
  --stack-file <file>     read the config from a Pulumi.<stack>.yaml instead of
                          the Pulumi CLI; its \`secure:\` values cannot be read
                          without the CLI, so the checks that need them are
                          skipped (and say so)
  --config-json <file>    read the config, secrets decrypted, from <file>, the
                          output of \`pulumi config --show-secrets --json
                          --stack <name>\`: an object of "namespace:key" to
                          { "value": "<string>", "secret": true|false } (object
                          values also as "objectValue"). It holds plaintext
                          secrets: keep it private, delete it after
  --sops-config <file>    the GitOps repository's .sops.yaml
                          (default: <homelab:flux.localCheckout>/.sops.yaml)
  --timeout-ms <ms>       time limit per Proxmox API request (default: 5000)
  --tools                 check only the workstation tools the quick start uses
                          (git, pulumi, age-keygen, sops, talosctl, kubectl,
                          flux, op), each with its install line
  -h, --help              show this help
`;

export function parseDoctorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DoctorOptions {
  const values = parseOptions(
    argv,
    {
      stack: { type: "string", default: "homelab" },
      "config-json": { type: "string" },
      "stack-file": { type: "string" },
      "sops-config": { type: "string" },
      "timeout-ms": { type: "string", default: "5000" },
      tools: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    env,
  );
  const timeoutText = values["timeout-ms"];
  const timeoutMs = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw new UsageError(`--timeout-ms takes a whole number of milliseconds from 1 to 600000, not ${JSON.stringify(timeoutText)}`);
  }
  if (values["config-json"] !== undefined && values["stack-file"] !== undefined) {
    throw new UsageError("give --config-json <file> or --stack-file <file>, not both");
  }
  const stack = values.stack;
  if (stack === "") throw new UsageError("--stack needs a stack name");
  return {
    stack,
    timeoutMs,
    tools: values.tools,
    help: values.help,
    ...(values["config-json"] !== undefined ? { configJson: values["config-json"] } : {}),
    ...(values["stack-file"] !== undefined ? { stackFile: values["stack-file"] } : {}),
    ...(values["sops-config"] !== undefined ? { sopsConfig: values["sops-config"] } : {}),
  };
}
