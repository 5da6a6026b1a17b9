/** `npm run doctor -- --tools`: every workstation tool of the quick start, found or named with its install line. */
import { describe, expect, it } from "vitest";

import type { CommandRunner } from "../../scripts/doctor/pulumi";
import { main } from "../../scripts/doctor/run";
import { workstationTools } from "../../scripts/doctor/tools";

/** A PATH holding only `present`, each answering its version command. */
const onPath =
  (present: string[]): CommandRunner =>
  (command) =>
    Promise.resolve(
      present.includes(command) ? { kind: "exited", code: 0, stdout: `${command} 1.2.3\n`, stderr: "" } : { kind: "missing" },
    );

async function doctorTools(runner: CommandRunner) {
  const lines: string[] = [];
  const code = await main(["--tools"], { runner, write: (l) => lines.push(l) });
  return { code, lines };
}

describe("npm run doctor -- --tools", () => {
  it("checks the tools the quick start runs", () => {
    expect(workstationTools.map((t) => t.command)).toEqual(["git", "pulumi", "age-keygen", "sops", "talosctl", "kubectl", "flux", "op"]);
  });

  it("passes with every tool on PATH, printing each version", async () => {
    const { code, lines } = await doctorTools(onPath(workstationTools.map((t) => t.command)));
    expect(code).toBe(0);
    expect(lines).toContain("ok   tool sops: sops 1.2.3 (for encrypting the GitOps repository's secrets)");
    expect(lines.at(-1)).toBe("Every required tool is there.");
  });

  it("names each missing tool with its install line and exits 1; the optional 1Password CLI is a note", async () => {
    const { code, lines } = await doctorTools(onPath(["git", "pulumi", "kubectl"]));
    expect(code).toBe(1);
    const failed = lines.filter((l) => l.startsWith("FAIL "));
    expect(failed.map((l) => /^FAIL tool ([\w-]+):/.exec(l)?.[1])).toEqual(["age-keygen", "sops", "talosctl", "flux"]);
    expect(failed.find((l) => l.includes("age-keygen"))).toContain("fix: apt-get install age");
    expect(lines.some((l) => l.startsWith("note tool op:"))).toBe(true);
    expect(lines.at(-1)).toBe("4 missing: install them with the fix lines above, then run this again.");
  });
});
