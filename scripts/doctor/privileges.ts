/**
 * The Proxmox VE 9 privileges the program's API token needs. README.md's
 * `pveum role add PulumiTalos -privs "…"` command lists exactly these (a test
 * holds the two together). Proxmox 9 names: `VM.Monitor` no longer exists.
 *
 * - Datastore.*: ISO download (AllocateTemplate), VM, EFI and TPM disks (AllocateSpace), storage listing (Audit).
 * - Sys.Audit, Sys.Modify: the ISO download (`download-url`) needs both.
 * - SDN.Use: attaching the NIC to the bridge.
 * - VM.*: creating, configuring, powering and reading the VMs; VM.GuestAgent.Audit for the agent's addresses.
 */
export const REQUIRED_PRIVILEGES = [
  "Datastore.AllocateSpace",
  "Datastore.AllocateTemplate",
  "Datastore.Audit",
  "Sys.Audit",
  "Sys.Modify",
  "SDN.Use",
  "VM.Allocate",
  "VM.Audit",
  "VM.Clone",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Cloudinit",
  "VM.Config.Disk",
  "VM.Config.HWType",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.Options",
  "VM.GuestAgent.Audit",
  "VM.PowerMgmt",
] as const;

export type Privilege = (typeof REQUIRED_PRIVILEGES)[number];

/** Every ancestor of an ACL path, itself included: `/nodes/pve` → `/`, `/nodes`, `/nodes/pve`. */
export function pathAndAncestors(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "");
  return ["/", ...parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`)];
}

/**
 * The privileges granted on any of `paths` or their ancestors, from the
 * `data` of `GET /access/permissions` (`{ "<path>": { "<Priv>": 1, … } }`).
 * A simplification of Proxmox's model: it assumes ACLs propagate and merges
 * the paths the program touches.
 */
export function grantedPrivileges(permissions: Record<string, Record<string, unknown>>, paths: string[]): Set<string> {
  const granted = new Set<string>();
  const consider = new Set(paths.flatMap(pathAndAncestors));
  for (const path of consider) {
    for (const [priv, value] of Object.entries(permissions[path] ?? {})) {
      if (value === 1 || value === true || value === "1") granted.add(priv);
    }
  }
  return granted;
}

/** Required privileges absent from `granted`, in the constant's order. */
export function missingPrivileges(granted: Set<string>): Privilege[] {
  return REQUIRED_PRIVILEGES.filter((p) => !granted.has(p));
}
