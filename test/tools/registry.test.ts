/** The Go modules of tools/ require upstream at the versions pinned in components/lib/versions.ts, and nothing of upstream is committed. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { coerce, lte } from "semver";
import { describe, expect, it } from "vitest";

import { toolVersions } from "../../components/lib/versions";
import { lockedVersion, repoRoot, tools } from "../../tools/registry";

const goMod = (dir: string) => readFileSync(join(repoRoot, dir, "go.mod"), "utf8");
const required = (mod: string, path: string) => new RegExp(`^\\s*(?:require\\s+)?${path.replace(/\./g, "\\.")} (\\S+)`, "m").exec(mod)?.[1];

describe("the tools' Go modules", () => {
  it("tools/talos-config requires the Talos machinery of the pinned provider", () => {
    expect(required(goMod("tools/talos-config"), "github.com/siderolabs/talos/pkg/machinery")).toBe(toolVersions.talosMachinery);
  });

  it("tools/talos-config keeps the replace line machinery's own go.mod needs", () => {
    expect(goMod("tools/talos-config")).toMatch(
      /^replace github\.com\/mdlayher\/ethtool => github\.com\/siderolabs\/ethtool v0\.4\.0-sidero$/m,
    );
  });

  it("tools/pulumi-cli requires the Pulumi CLI and SDK of the locked @pulumi/pulumi", () => {
    const locked = `v${lockedVersion("@pulumi/pulumi")}`;
    expect(required(goMod("tools/pulumi-cli"), "github.com/pulumi/pulumi/pkg/v3")).toBe(locked);
    expect(required(goMod("tools/pulumi-cli"), "github.com/pulumi/pulumi/sdk/v3")).toBe(locked);
  });

  it("tools/pulumi-cli keeps the replace line pulumi's pkg/go.mod needs", () => {
    expect(goMod("tools/pulumi-cli")).toMatch(
      /^replace github\.com\/atotto\/clipboard => github\.com\/tgummerer\/clipboard v0\.0\.0-20241001131231-d02d263e614e$/m,
    );
  });

  it("no module asks for a newer Go than the preflight requires", () => {
    for (const tool of tools) {
      if (tool.source.kind !== "module") continue;
      const go = coerce(/^go (\S+)$/m.exec(goMod(tool.source.dir))?.[1]);
      expect({ tool: tool.name, withinPreflight: go !== null && lte(go, toolVersions.go) }).toEqual({
        tool: tool.name,
        withinPreflight: true,
      });
    }
  });
});
