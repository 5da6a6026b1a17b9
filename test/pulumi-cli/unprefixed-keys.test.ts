/**
 * Keys written in the stack file without the `homelab:` prefix, as a person may type them: the real
 * Pulumi CLI (the locked @pulumi/pulumi's version) namespaces them to the project, and plan must read
 * them the same way. Fails on plan's reader before 553933d (it kept the bare keys).
 */
import { writeFileSync } from "node:fs";

import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";

import { singleNodeSettings } from "../../offline/fixtures";
import { parseConfigJson, type StackConfigJson } from "../../scripts/doctor/config";
import { readStackConfig } from "../../scripts/plan/stack-config";
import { type PulumiSandbox, pulumiSandbox } from "../support/pulumi-cli";

const timeout = 120_000;

/** The config as the CLI hands it to the program: `pulumi config --show-secrets --json`, parsed as the doctor parses it. */
function cliConfig(sandbox: PulumiSandbox, stack: string): StackConfigJson {
  return parseConfigJson(sandbox.ok(["config", "--show-secrets", "--json", "--stack", stack]));
}

type StackYaml = { encryptionsalt?: string; config?: Record<string, unknown> };
const readYaml = (sandbox: PulumiSandbox, stack: string) => parseYaml(sandbox.readStackFile(stack)) as StackYaml;

describe("keys written without the homelab: prefix", () => {
  const sandbox = pulumiSandbox();

  it(
    "belong to the project for the CLI (pulumi/pulumi sdk/go/common/workspace/loaders.go), and so for plan",
    async () => {
      sandbox.ok(["stack", "init", "homelab"]);
      sandbox.ok(["config", "set", "--secret", "homelab:proxmoxApiToken", "pulumi@pve!homelab=unprefixed"]);
      const written = readYaml(sandbox, "homelab");
      // The fixture's settings and the CLI's ciphertext, every key written by hand without its prefix.
      const unprefixed = Object.fromEntries(
        Object.entries({ ...singleNodeSettings(), ...written.config }).map(([key, value]) => [key.replace(/^homelab:/, ""), value]),
      );
      writeFileSync(sandbox.stackFile("homelab"), stringify({ ...written, config: unprefixed }));

      const cli = cliConfig(sandbox, "homelab");
      expect(Object.keys(cli.raw).every((k) => k.startsWith("homelab:"))).toBe(true);
      expect(cli.raw["homelab:proxmoxApiToken"]).toBe("pulumi@pve!homelab=unprefixed");
      const plan = await readStackConfig(sandbox.stackFile("homelab"), { fillMissingSecrets: false });
      expect(Object.keys(plan.config).sort()).toEqual(Object.keys(cli.raw).sort());
      expect(new Set(plan.secretKeys)).toEqual(cli.secretKeys);
    },
    timeout,
  );
});
