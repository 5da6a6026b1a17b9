/**
 * The Proxmox VE 9 privileges the program's API token needs, and where: each
 * on the narrowest ACL path Proxmox checks it on, nothing on `/`. README.md's
 * `pveum role add` commands create exactly these roles (a test holds them
 * together), and the doctor checks the token holds exactly this set.
 *
 * Sources (read at proxmox/* HEAD for PVE 9: qemu-server 9.2.6, pve-storage
 * 9.1.7, pve-manager 9.2.11, pve-firewall 6.0.4):
 * - creating a VM in a pool needs VM.Allocate on /pool/<pool>, VM.PowerMgmt to
 *   start it, Datastore.AllocateSpace on each storage it puts a disk on and
 *   SDN.Use on the bridge (qemu-server src/PVE/API2/Qemu.pm create_vm);
 *   privileges granted on a pool apply to its VMs.
 * - the bpg provider finds a VM's pool by listing pools (findPoolForVM in
 *   proxmoxtf/resource/vm/vm.go, bpg/terraform-provider-proxmox v0.111.1),
 *   which shows only pools with Pool.Audit (pve-manager PVE/API2/Pool.pm).
 * - the VM firewall's options, ipsets and rules need VM.Config.Network, reads
 *   VM.Audit (pve-firewall src/PVE/API2/Firewall/VM.pm).
 * - the ISO download (`download-url`) needs Datastore.AllocateTemplate on the
 *   ISO storage and Sys.AccessNetwork on the node, instead of Sys.Audit +
 *   Sys.Modify on `/` (pve-storage src/PVE/API2/Storage/Status.pm, since
 *   libpve-storage-perl 8.1, bug #5254); the URL metadata query the provider
 *   makes first accepts the same (pve-manager PVE/API2/Nodes.pm query_url_metadata).
 * - listing a storage's content and attaching an ISO need Datastore.Audit or
 *   Datastore.AllocateSpace there (pve-storage src/PVE/Storage.pm check_volume_access).
 */
import type { ValidConfig } from "../../components/config/validate";

/** The roles of README.md, by name, with their privileges. */
export const ROLES = {
  /** On /pool/<pool>: the VMs, their firewall and the pool lookup. */
  PulumiTalosVMs: [
    "Pool.Audit",
    "VM.Allocate",
    "VM.Audit",
    "VM.Config.CDROM",
    "VM.Config.CPU",
    "VM.Config.Disk",
    "VM.Config.HWType",
    "VM.Config.Memory",
    "VM.Config.Network",
    "VM.Config.Options",
    "VM.GuestAgent.Audit",
    "VM.PowerMgmt",
  ],
  /** On the storages of system disks, TPM state and EFI vars. */
  PulumiTalosDisks: ["Datastore.AllocateSpace", "Datastore.Audit"],
  /** On the ISO storage. */
  PulumiTalosISOs: ["Datastore.AllocateTemplate", "Datastore.Audit"],
  /** On each Proxmox node that downloads the ISO. */
  PulumiTalosDownload: ["Sys.AccessNetwork"],
  /** On the bridge (its SDN path). */
  PulumiTalosBridge: ["SDN.Use"],
} as const;

export type RoleName = keyof typeof ROLES;
export type Privilege = (typeof ROLES)[RoleName][number];

export interface Grant {
  path: string;
  role: RoleName;
}

/** Every ACL the token needs for this config: path and role. */
export function requiredGrants(settings: ValidConfig["settings"]): Grant[] {
  const { proxmox, nodes } = settings;
  const hosts = [...new Set([proxmox.node, ...nodes.map((n) => n.proxmoxNode)])];
  const diskStores = [...new Set([proxmox.vmDatastore, proxmox.stateDatastore ?? proxmox.vmDatastore])];
  return [
    { path: `/pool/${proxmox.pool}`, role: "PulumiTalosVMs" },
    ...diskStores.map((store): Grant => ({ path: `/storage/${store}`, role: "PulumiTalosDisks" })),
    { path: `/storage/${proxmox.isoDatastore}`, role: "PulumiTalosISOs" },
    ...hosts.map((host): Grant => ({ path: `/nodes/${host}`, role: "PulumiTalosDownload" })),
    { path: `/sdn/zones/localnetwork/${proxmox.bridge}`, role: "PulumiTalosBridge" },
  ];
}

/** The privileges each path needs: the union of the roles granted there. */
export function requiredByPath(settings: ValidConfig["settings"]): Map<string, Set<string>> {
  const byPath = new Map<string, Set<string>>();
  for (const grant of requiredGrants(settings)) {
    const set = byPath.get(grant.path) ?? new Set<string>();
    for (const privilege of ROLES[grant.role]) set.add(privilege);
    byPath.set(grant.path, set);
  }
  return byPath;
}

/** Every ancestor of an ACL path, itself included: `/nodes/pve` → `/`, `/nodes`, `/nodes/pve`. */
export function pathAndAncestors(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "");
  return ["/", ...parts.map((_, i) => `/${parts.slice(0, i + 1).join("/")}`)];
}

/**
 * The privileges granted on `path` or its ancestors, from the `data` of
 * `GET /access/permissions` (`{ "<path>": { "<Priv>": 1, … } }`). A
 * simplification of Proxmox's model: it assumes ACLs propagate.
 */
export function grantedOn(permissions: Record<string, Record<string, unknown>>, path: string): Set<string> {
  const granted = new Set<string>();
  for (const p of pathAndAncestors(path)) {
    for (const [priv, value] of Object.entries(permissions[p] ?? {})) {
      if (value === 1 || value === true || value === "1") granted.add(priv);
    }
  }
  return granted;
}

export interface PrivilegeGap {
  path: string;
  /** Needed there and not granted. */
  missing: string[];
  /** Granted there beyond what the program needs. */
  excess: string[];
}

/** Per path the program acts on: what the token lacks and what it holds beyond the set. */
export function privilegeGaps(permissions: Record<string, Record<string, unknown>>, settings: ValidConfig["settings"]): PrivilegeGap[] {
  return [...requiredByPath(settings)]
    .map(([path, needed]) => {
      const granted = grantedOn(permissions, path);
      return {
        path,
        missing: [...needed].filter((p) => !granted.has(p)).sort(),
        excess: [...granted].filter((p) => !needed.has(p)).sort(),
      };
    })
    .filter((gap) => gap.missing.length > 0 || gap.excess.length > 0);
}
