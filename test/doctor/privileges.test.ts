/** The Proxmox roles, README.md's commands that create and grant them, and how granted privileges are compared. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { multiNodeSettings } from "../../offline/fixtures";
import { pathAndAncestors, privilegeGaps, requiredGrants, ROLES } from "../../scripts/doctor/privileges";
import { validFixture } from "../support/config";

const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8").replace(/\\\r?\n/g, " ");

/** `pveum role add <Name> -privs "…"` commands of README.md, by role name. */
function readmeRoles(): Record<string, string[]> {
  return Object.fromEntries(
    [...readme.matchAll(/pveum role add (\w+) -privs "([^"]*)"/g)].map((m) => [m[1]!, m[2]!.split(/\s+/).filter((p) => p !== "")]),
  );
}

describe("Proxmox roles", () => {
  it("README.md creates exactly the roles the doctor checks, with the same privileges", () => {
    const roles = readmeRoles();
    expect(Object.keys(roles).sort()).toEqual(Object.keys(ROLES).sort());
    for (const [name, privileges] of Object.entries(ROLES)) expect([...roles[name]!].sort(), name).toEqual([...privileges].sort());
  });

  it("README.md grants each role on its narrow path, to the user and to the privilege-separated token", () => {
    expect(readme).toMatch(/pveum user token add pulumi@pve homelab --privsep 1/);
    expect(readme).not.toMatch(/--privsep[ =]0/);
    expect(readme).not.toMatch(/pveum aclmod \/ /);
    for (const [path, role] of [
      ["/pool/homelab", "PulumiTalosVMs"],
      ["/storage/local-lvm", "PulumiTalosDisks"],
      ["/storage/local", "PulumiTalosISOs"],
      ["/nodes/pve", "PulumiTalosDownload"],
      ["/sdn/zones/localnetwork/vmbr0", "PulumiTalosBridge"],
    ]) {
      expect(readme, `${role} on ${path}`).toContain(`"${path} ${role}"`);
    }
  });

  it("need nothing on / and none of the privileges PVE 9 removed or the program does not use", () => {
    const all = Object.values(ROLES).flat();
    for (const broad of ["VM.Monitor", "Sys.Modify", "Sys.Audit", "VM.Clone", "VM.Config.Cloudinit", "Datastore.Allocate"]) {
      expect(all).not.toContain(broad);
    }
  });

  it("scopes the VMs to the pool and each storage, node and bridge of the config", async () => {
    const settings = multiNodeSettings(4);
    settings["proxmox"] = { ...(settings["proxmox"] as object), stateDatastore: "tpm-crypt", pool: "k8s" };
    const config = await validFixture(settings);
    expect(requiredGrants(config.settings)).toEqual([
      { path: "/pool/k8s", role: "PulumiTalosVMs" },
      { path: "/storage/local-lvm", role: "PulumiTalosDisks" },
      { path: "/storage/tpm-crypt", role: "PulumiTalosDisks" },
      { path: "/storage/local", role: "PulumiTalosISOs" },
      { path: "/nodes/pve", role: "PulumiTalosDownload" },
      { path: "/nodes/pve2", role: "PulumiTalosDownload" },
      { path: "/sdn/zones/localnetwork/vmbr0", role: "PulumiTalosBridge" },
    ]);
  });

  it("reports what is missing and what is too much, per path, counting parents", async () => {
    const config = await validFixture();
    expect(pathAndAncestors("/nodes/pve")).toEqual(["/", "/nodes", "/nodes/pve"]);
    const gaps = privilegeGaps(
      {
        "/": { "Sys.Modify": 1, "VM.Audit": 0 },
        "/pool/homelab": Object.fromEntries(ROLES.PulumiTalosVMs.map((p) => [p, 1])),
        "/storage": { "Datastore.AllocateSpace": 1, "Datastore.Audit": 1, "Datastore.AllocateTemplate": 1 },
        "/nodes/pve": { "Sys.AccessNetwork": 1 },
        "/sdn/zones/localnetwork/vmbr0": { "SDN.Use": 1 },
      },
      config.settings,
    );
    expect(gaps).toEqual([
      { path: "/pool/homelab", missing: [], excess: ["Sys.Modify"] },
      { path: "/storage/local-lvm", missing: [], excess: ["Datastore.AllocateTemplate", "Sys.Modify"] },
      { path: "/storage/local", missing: [], excess: ["Datastore.AllocateSpace", "Sys.Modify"] },
      { path: "/nodes/pve", missing: [], excess: ["Sys.Modify"] },
      { path: "/sdn/zones/localnetwork/vmbr0", missing: [], excess: ["Sys.Modify"] },
    ]);
  });
});
