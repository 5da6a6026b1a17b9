/**
 * The command-line tools the tests need, checked before anything runs: each missing or too old
 * one is one line naming it and how to install it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { coerce, gte, satisfies } from "semver";

import { toolVersions } from "../components/lib/versions";

interface Requirement {
  tool: string;
  /** undefined when the tool is there and new enough; else what is wrong with it. */
  check: () => string | undefined;
  install: string;
}

/** The output of a command, or undefined when it cannot be run. */
function output(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  return result.error !== undefined || result.status !== 0 ? undefined : `${result.stdout}${result.stderr}`;
}

const present = (command: string, args: string[]) => () => (output(command, args) === undefined ? "not found" : undefined);

export function requirements(root: string): Requirement[] {
  const engines = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
  return [
    {
      tool: `node ${engines}`,
      check: () => (satisfies(process.versions.node, engines) ? undefined : `this is ${process.versions.node}`),
      install: "install a Node release in that range (https://nodejs.org/en/download)",
    },
    {
      tool: `go >= ${toolVersions.go}`,
      check: () => {
        const reported = output("go", ["env", "GOVERSION"])?.trim();
        if (reported === undefined) return "not found";
        const version = coerce(reported.replace(/^go/, ""));
        return version !== null && gte(version, toolVersions.go) ? undefined : `this is ${reported}`;
      },
      install: `install Go ${toolVersions.go} or later from https://go.dev/dl/ and put its bin/ on PATH (Debian's golang-go is older); it builds sops and the Talos config tool`,
    },
    { tool: "openssl", check: present("openssl", ["version"]), install: "apt-get install openssl" },
    { tool: "age", check: present("age", ["--version"]), install: "apt-get install age" },
    { tool: "age-keygen", check: present("age-keygen", ["--version"]), install: "apt-get install age (it ships age-keygen)" },
    {
      tool: "kubectl with kustomize v5",
      check: () => {
        const reported = output("kubectl", ["version", "--client"]);
        if (reported === undefined) return "not found";
        return /Kustomize Version: v5\./.test(reported) ? undefined : "its kustomize is not v5";
      },
      install:
        "install the kubectl package of the Kubernetes apt repository (https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/); Debian's kubernetes-client is too old",
    },
  ];
}

/** One line per missing or unusable tool; empty when everything is there. */
export function missingTools(root: string): string[] {
  return requirements(root).flatMap(({ tool, check, install }) => {
    const problem = check();
    return problem === undefined ? [] : [`missing tool: ${tool} (${problem}): ${install}`];
  });
}
