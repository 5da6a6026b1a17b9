/**
 * `npm run doctor -- --tools`: the commands the quick start (README.md) has you run on your
 * workstation, each found on PATH with its version, or named with the line that installs it.
 * Nothing here needs the stack, Proxmox or the network.
 */
import { versions } from "../../components/lib/versions";
import { type CommandRunner, installLink } from "./pulumi";
import { type CheckResult, fail, note, pass } from "./types";

export interface WorkstationTool {
  command: string;
  versionArgs: string[];
  /** What the quick start uses it for. */
  usedFor: string;
  install: string;
  /** Only some set-ups need it: missing is a note, not a failure. */
  optional?: boolean;
}

export const workstationTools: WorkstationTool[] = [
  { command: "git", versionArgs: ["--version"], usedFor: "the GitOps repository", install: "apt-get install git" },
  {
    command: "pulumi",
    versionArgs: ["version"],
    usedFor: "pulumi login, stack init, config set --secret, up",
    install: `curl -fsSL https://get.pulumi.com | sh (${installLink})`,
  },
  { command: "age-keygen", versionArgs: ["--version"], usedFor: "the cluster and recovery age keys", install: "apt-get install age" },
  {
    command: "sops",
    versionArgs: ["--version"],
    usedFor: "encrypting the GitOps repository's secrets",
    install: "a release binary from https://github.com/getsops/sops/releases (3.10 or newer)",
  },
  {
    command: "talosctl",
    versionArgs: ["version", "--client"],
    usedFor: "talosctl health, upgrades, etcd snapshots",
    install: `curl -sL https://talos.dev/install | sh (the version of cluster.talosVersion, ${versions.talos} by default)`,
  },
  {
    command: "kubectl",
    versionArgs: ["version", "--client"],
    usedFor: "kubectl get nodes",
    install: "apt-get install kubectl (from the Kubernetes apt repository: https://kubernetes.io/docs/tasks/tools/)",
  },
  {
    command: "flux",
    versionArgs: ["version", "--client"],
    usedFor: "flux get kustomizations",
    install: `curl -s https://fluxcd.io/install.sh | bash (Flux ${versions.flux} in the cluster)`,
  },
  {
    command: "op",
    versionArgs: ["--version"],
    usedFor: "creating the 1Password Connect server and tokens (op connect …)",
    install: "https://developer.1password.com/docs/cli/get-started/ (or create them in the 1Password web UI)",
    optional: true,
  },
];

/** One line per tool: ok with its version, FAIL (or note when optional) with its install line. */
export async function checkTools(runner: CommandRunner, tools: readonly WorkstationTool[] = workstationTools): Promise<CheckResult[]> {
  return Promise.all(
    tools.map(async (tool) => {
      const name = `tool ${tool.command}`;
      const result = await runner(tool.command, tool.versionArgs, { timeoutMs: 10_000 });
      if (result.kind === "missing") {
        const detail = `not found on PATH; needed for ${tool.usedFor}`;
        return tool.optional === true ? note(name, `${detail} (optional): ${tool.install}`) : fail(name, detail, tool.install);
      }
      if (result.kind === "timeout" || result.code !== 0) {
        return fail(name, `\`${tool.command} ${tool.versionArgs.join(" ")}\` did not answer`, tool.install);
      }
      const version = `${result.stdout}\n${result.stderr}`.trim().split("\n")[0]?.trim() ?? "";
      return pass(name, `${version} (for ${tool.usedFor})`);
    }),
  );
}
