/**
 * `npm run plan` writes each node's final machine configuration when Talos machinery is built
 * (tools/talos-config), every key and token redacted; without it (a machine without Go) plan
 * writes none and says so.
 */
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

import { finalMachineConfigs, redacted } from "../../scripts/plan/documents";
import { toolPath } from "../../tools/registry";
import { runExample } from "../support/program";

type Doc = Record<string, unknown>;

/** Every value under a key named like a secret (`key`, `token`, `secret`, …Secret). */
function secretLeaves(value: unknown, found: unknown[] = []): unknown[] {
  if (Array.isArray(value)) value.forEach((v) => secretLeaves(v, found));
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (/^(key|token|secret|privateKey)$|Secret$/.test(k) && typeof v === "string") found.push(v);
      else secretLeaves(v, found);
    }
  }
  return found;
}

describe("final machine configurations in the plan", async () => {
  const run = await runExample();
  const secrets = Object.values(run.secrets).filter((v): v is string => typeof v === "string");
  const final = finalMachineConfigs(run, secrets, toolPath("talos-config"));

  it("one per node, accepted by machinery", () => {
    expect(final?.refused).toEqual([]);
    expect([...(final?.files.keys() ?? [])]).toEqual(["talos/talos-cp-1/machine-config.yaml"]);
  });

  it("every key, token and secret redacted, and no known secret anywhere", () => {
    for (const text of final?.files.values() ?? []) {
      const documents = parseAllDocuments(text).map((d) => d.toJS() as Doc);
      const leaves = secretLeaves(documents);
      expect(leaves.length).toBeGreaterThan(5);
      expect(leaves.filter((v) => v !== redacted && v !== "")).toEqual([]);
      for (const secret of secrets) expect(text).not.toContain(secret);
      // Talos keeps PEM base64-encoded: no string decodes to a private key.
      const strings = JSON.stringify(documents).match(/[A-Za-z0-9+/=]{40,}/g) ?? [];
      expect(strings.filter((s) => Buffer.from(s, "base64").toString().includes("PRIVATE KEY"))).toEqual([]);
    }
  });

  it("none without the tool", () => {
    expect(finalMachineConfigs(run, secrets, undefined)).toBeUndefined();
  });
});
