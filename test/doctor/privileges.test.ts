/** The required-privileges constant, README.md's role command, and how granted privileges are merged. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { grantedPrivileges, missingPrivileges, pathAndAncestors, REQUIRED_PRIVILEGES } from "../../scripts/doctor/privileges";

/** The privileges of `pveum role add PulumiTalos -privs "…"` in README.md, `\` line continuations included. */
function readmeRolePrivileges(): string[] {
  const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
  const match = /pveum role add PulumiTalos -privs "([^"]*)"/.exec(readme);
  if (match === null) throw new Error('README.md has no `pveum role add PulumiTalos -privs "…"` command');
  return match[1]!
    .replace(/\\\r?\n/g, " ")
    .split(/\s+/)
    .filter((p) => p !== "");
}

describe("required Proxmox privileges", () => {
  it("are exactly the privileges of README.md's pveum role add command", () => {
    const readme = readmeRolePrivileges();
    expect(new Set(readme).size).toBe(readme.length);
    expect([...readme].sort()).toEqual([...REQUIRED_PRIVILEGES].sort());
  });

  it("use Proxmox 9 names only, without duplicates", () => {
    expect(REQUIRED_PRIVILEGES).not.toContain("VM.Monitor");
    expect(new Set(REQUIRED_PRIVILEGES).size).toBe(REQUIRED_PRIVILEGES.length);
  });

  it("count privileges granted on a path or any of its parents", () => {
    expect(pathAndAncestors("/nodes/pve")).toEqual(["/", "/nodes", "/nodes/pve"]);
    expect(pathAndAncestors("/")).toEqual(["/"]);
    const granted = grantedPrivileges(
      {
        "/": { "Sys.Audit": 1, "VM.Audit": 0 },
        "/nodes": { "Sys.Modify": 1 },
        "/vms/100": { "VM.Allocate": 1 },
        "/storage/local": { "Datastore.Audit": 1 },
      },
      ["/nodes/pve", "/storage/local"],
    );
    expect([...granted].sort()).toEqual(["Datastore.Audit", "Sys.Audit", "Sys.Modify"]);
    expect(missingPrivileges(granted)).toEqual(
      REQUIRED_PRIVILEGES.filter((p) => !["Datastore.Audit", "Sys.Audit", "Sys.Modify"].includes(p)),
    );
  });
});
