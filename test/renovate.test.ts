/**
 * Every pin in components/lib/versions.ts is found by the Renovate custom
 * manager (the same regular expression, run here), with the datasource,
 * package and current value Renovate would see.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { versions } from "../components/lib/versions";

const root = join(__dirname, "..");
const renovate = JSON.parse(readFileSync(join(root, "renovate.json"), "utf8")) as {
  customManagers: { managerFilePatterns: string[]; matchStrings: string[] }[];
  packageRules: { matchPackageNames?: string[]; allowedVersions?: string }[];
};
const source = readFileSync(join(root, "components/lib/versions.ts"), "utf8");

function matches(text: string): Record<string, string | undefined>[] {
  const [manager] = renovate.customManagers;
  return (manager?.matchStrings ?? []).flatMap((pattern) => [...text.matchAll(new RegExp(pattern, "g"))].map((m) => ({ ...m.groups })));
}

describe("Renovate", () => {
  const found = matches(source);

  it("the custom manager covers versions.ts", () => {
    const pattern = renovate.customManagers[0]?.managerFilePatterns[0] ?? "";
    expect(new RegExp(pattern.slice(1, -1)).test("components/lib/versions.ts")).toBe(true);
  });

  it("finds every pin, with its current value", () => {
    expect(found.map((m) => m["currentValue"]).sort()).toEqual(Object.values(versions).map(String).sort());
  });

  it.each([
    ["siderolabs/talos", "github-releases", versions.talos],
    ["siderolabs/kubelet", "github-releases", versions.kubernetes],
    ["fluxcd/flux2", "github-releases", versions.flux],
    ["ghcr.io/controlplaneio-fluxcd/charts/flux-operator", "docker", versions.fluxOperatorChart],
    ["external-secrets", "helm", versions.externalSecretsChart],
    ["connect", "helm", versions.onePasswordConnectChart],
  ])("%s comes from %s at %s", (depName, datasource, currentValue) => {
    expect(found).toContainEqual(expect.objectContaining({ depName, datasource, currentValue }));
  });

  it("maps upstream tags onto the pins' format where they differ", () => {
    const extract = (dep: string) => new RegExp(found.find((m) => m["depName"] === dep)?.["extractVersion"] ?? "^$");
    expect("v1.36.4".match(extract("siderolabs/kubelet"))?.groups?.["version"]).toBe("1.36.4");
    expect("v2.10.1".match(extract("fluxcd/flux2"))?.groups?.["version"]).toBe("2.10.1");
  });

  it("keeps @pulumi/pulumi on the Node 20 line", () => {
    expect(renovate.packageRules).toContainEqual(
      expect.objectContaining({ matchPackageNames: ["@pulumi/pulumi"], allowedVersions: "<3.249.0" }),
    );
  });

  it("would miss a pin without its comment (the check can fail)", () => {
    expect(matches('  talos: "v1.13.9",\n')).toEqual([]);
  });
});
