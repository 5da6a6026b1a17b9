/**
 * The Proxmox checks: the API answers with the token, runs VE 9, grants the
 * role's privileges, and has the nodes, storages, bridge and free VM ids the
 * config names.
 */
import type { ValidConfig } from "../../components/config/validate";
import { privilegeGaps, requiredGrants } from "./privileges";
import { createProxmoxClient, type ProxmoxClient, ProxmoxError } from "./proxmox-api";
import { type CheckResult, fail, pass } from "./types";

export interface ProxmoxCheckOptions {
  settings: ValidConfig["settings"];
  token: string;
  timeoutMs: number;
  /** CA certificates to trust instead of Node's defaults (tests). */
  ca?: string | Buffer;
}

export interface ProxmoxReport {
  results: CheckResult[];
  /** Checks not run, with the reason. */
  skipped: string[];
}

type Row = Record<string, unknown>;

function rows(data: unknown, path: string): Row[] {
  if (!Array.isArray(data)) {
    throw new ProxmoxError(
      "protocol",
      `GET ${path} answered without a list`,
      "point homelab:proxmox.endpoint at the Proxmox API, like https://pve.example.lan:8006/",
    );
  }
  return data.filter((r): r is Row => typeof r === "object" && r !== null);
}

const str = (value: unknown) => (typeof value === "string" ? value : typeof value === "number" ? String(value) : "");
const list = (value: unknown) =>
  str(value)
    .split(/[;,\s]+/)
    .filter((s) => s !== "");

async function attempt(name: string, check: () => Promise<CheckResult | CheckResult[]>): Promise<CheckResult[]> {
  try {
    const result = await check();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    if (error instanceof ProxmoxError) return [fail(name, error.message, error.fix)];
    throw error;
  }
}

export function checkVersion(data: unknown): CheckResult {
  const version = str((data as Row | null)?.["version"]);
  if (version === "")
    return fail("proxmox version", "GET /version answered without data.version", "point homelab:proxmox.endpoint at a Proxmox VE API");
  if (!/^9(\.|$)/.test(version)) {
    return fail(
      "proxmox version",
      `Proxmox VE ${version} found, this program needs 9.x`,
      "upgrade the host to Proxmox VE 9 (`pve8to9`, then the upgrade guide), or point homelab:proxmox.endpoint at a VE 9 host",
    );
  }
  return pass("proxmox version", `Proxmox VE ${version}`);
}

/**
 * The token holds exactly the privileges of README.md's roles on each path the
 * program acts on: nothing missing, and nothing more there (a token with
 * Sys.Modify or every VM privilege on `/` fails, so a leaked token cannot do
 * more than this program does).
 */
export function checkPrivileges(data: unknown, settings: ValidConfig["settings"]): CheckResult {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return fail(
      "proxmox privileges",
      "GET /access/permissions answered without a path map",
      "point homelab:proxmox.endpoint at a Proxmox VE API",
    );
  }
  const gaps = privilegeGaps(data as Record<string, Record<string, unknown>>, settings);
  if (gaps.length > 0) {
    const rolesAt = (path: string) =>
      requiredGrants(settings)
        .filter((g) => g.path === path)
        .map((g) => g.role)
        .join(", ");
    const problems = gaps.flatMap((gap) => [
      ...(gap.missing.length > 0 ? [`lacks ${gap.missing.join(", ")} on ${gap.path}`] : []),
      ...(gap.excess.length > 0 ? [`holds ${gap.excess.join(", ")} on ${gap.path} (or a parent), which the program never uses`] : []),
    ]);
    const missing = gaps.filter((gap) => gap.missing.length > 0);
    const excess = gaps.filter((gap) => gap.excess.length > 0);
    return fail(
      "proxmox privileges",
      `the token ${problems.join("; ")}`,
      [
        ...missing.map(
          (gap) =>
            `grant ${rolesAt(gap.path)} on ${gap.path} to the user and the token (\`pveum aclmod ${gap.path} -user <user> -role <role>\`, then with \`-token '<user>!<id>'\`)`,
        ),
        ...(excess.length > 0
          ? [
              `remove the broader ACLs (\`pveum acl list\`; \`pveum acldel <path> -user <user> -role <role>\`) so only README.md's roles remain on ${excess.map((gap) => gap.path).join(", ")}`,
            ]
          : []),
      ].join("; "),
    );
  }
  const grants = requiredGrants(settings);
  return pass("proxmox privileges", `exactly README.md's roles: ${grants.map((g) => `${g.role} on ${g.path}`).join(", ")}`);
}

export function checkNodes(data: unknown, settings: ValidConfig["settings"]): { result: CheckResult; present: Set<string> } {
  const found = rows(data, "/nodes");
  const byName = new Map(found.map((r) => [str(r["node"]), r]));
  const wanted = [...new Set([settings.proxmox.node, ...settings.nodes.map((n) => n.proxmoxNode)])];
  const absent = wanted.filter((n) => !byName.has(n));
  const offline = wanted.filter(
    (n) => byName.has(n) && str(byName.get(n)?.["status"]) !== "" && str(byName.get(n)?.["status"]) !== "online",
  );
  const present = new Set(wanted.filter((n) => byName.has(n)));
  const problems = [
    ...absent.map((n) => `node ${n} is not in the cluster`),
    ...offline.map((n) => `node ${n} is ${str(byName.get(n)?.["status"])}`),
  ];
  if (problems.length > 0) {
    return {
      result: fail(
        "proxmox nodes",
        `${problems.join("; ")} (the cluster has ${[...byName.keys()].join(", ") || "no node the token can see"})`,
        "set homelab:proxmox.node and nodes[].proxmoxNode to node names as shown in the web UI, and bring offline nodes back",
      ),
      present: new Set([...present].filter((n) => !offline.includes(n))),
    };
  }
  return { result: pass("proxmox nodes", `${wanted.join(", ")} online`), present };
}

export function checkStorage(data: unknown, host: string, settings: ValidConfig["settings"]): CheckResult {
  const storages = rows(data, `/nodes/${host}/storage`);
  const { isoDatastore, vmDatastore } = settings.proxmox;
  const problems: string[] = [];
  const need = (id: string, content: string, key: string) => {
    const storage = storages.find((s) => str(s["storage"]) === id);
    if (storage === undefined) {
      problems.push(`storage ${id} (homelab:proxmox.${key}) does not exist on ${host} or the token cannot see it (Datastore.Audit)`);
    } else if (!list(storage["content"]).includes(content)) {
      problems.push(
        `storage ${id} (homelab:proxmox.${key}) does not hold content "${content}" (it holds ${list(storage["content"]).join(", ") || "nothing"})`,
      );
    } else if (storage["active"] === 0 || storage["enabled"] === 0) {
      problems.push(`storage ${id} (homelab:proxmox.${key}) is not active on ${host}`);
    }
  };
  need(isoDatastore, "iso", "isoDatastore");
  // The storage's `shared` flag (pve-storage src/PVE/API2/Storage/Status.pm) decides whether one ISO
  // download serves every host, or a second one of the same file fails.
  const isoStorage = storages.find((s) => str(s["storage"]) === isoDatastore);
  const shared = isoStorage !== undefined && (isoStorage["shared"] === 1 || isoStorage["shared"] === true);
  const hosts = new Set(settings.nodes.map((n) => n.proxmoxNode)).size;
  if (isoStorage !== undefined && settings.proxmox.isoDatastoreShared && !shared) {
    problems.push(
      `storage ${isoDatastore} is not shared, but homelab:proxmox.isoDatastoreShared is true; set it to false, or name shared storage (NFS, CephFS)`,
    );
  } else if (isoStorage !== undefined && !settings.proxmox.isoDatastoreShared && shared && hosts > 1) {
    problems.push(
      `storage ${isoDatastore} is shared by the hosts, so the second download of the ISO would fail; set homelab:proxmox.isoDatastoreShared to true`,
    );
  }
  need(vmDatastore, "images", "vmDatastore");
  if (problems.length > 0) {
    const available = storages.map((s) => `${str(s["storage"])} (${list(s["content"]).join(",")})`).join(", ") || "none";
    return fail(
      `proxmox storage ${host}`,
      `${problems.join("; ")}; ${host} has ${available}`,
      'name storages that exist on every node hosting a VM, one with content "iso" and one with content "images" (Datacenter > Storage > Edit > Content)',
    );
  }
  return pass(`proxmox storage ${host}`, `${isoDatastore} holds ISO images, ${vmDatastore} holds disk images`);
}

export function checkBridge(data: unknown, host: string, settings: ValidConfig["settings"]): CheckResult {
  const interfaces = rows(data, `/nodes/${host}/network`);
  const { bridge } = settings.proxmox;
  const iface = interfaces.find((i) => str(i["iface"]) === bridge);
  const bridges = interfaces.filter((i) => ["bridge", "OVSBridge", "vnet"].includes(str(i["type"]))).map((i) => str(i["iface"]));
  const fix = `set homelab:proxmox.bridge to a bridge of every node hosting a VM (${host} has ${bridges.join(", ") || "no bridge"}), or create it under ${host} > System > Network`;
  if (iface === undefined) return fail(`proxmox bridge ${host}`, `bridge ${bridge} does not exist on ${host}`, fix);
  if (!["bridge", "OVSBridge", "vnet"].includes(str(iface["type"]))) {
    return fail(
      `proxmox bridge ${host}`,
      `${bridge} on ${host} is ${str(iface["type"]) ? `an interface of type ${str(iface["type"])}` : "an interface"}, not a bridge`,
      fix,
    );
  }
  return pass(`proxmox bridge ${host}`, `bridge ${bridge} exists`);
}

/** A VM this stack made: the node's name and the talos tag (components/proxmox/documents.ts vmArgs). */
const isStackVm = (vm: Row, node: { name: string }) => str(vm["name"]) === node.name && list(vm["tags"]).includes("talos");

/** The stack's VMs that already exist (same id, name and the talos tag), with the host they run on. */
function stackVms(data: unknown, settings: ValidConfig["settings"]): { node: ValidConfig["settings"]["nodes"][number]; host: string }[] {
  if (!Array.isArray(data)) return [];
  const vms = rows(data, "/cluster/resources?type=vm");
  return settings.nodes.flatMap((node) => {
    const vm = vms.find((v) => Number(v["vmid"]) === node.vmId && isStackVm(v, node));
    return vm === undefined ? [] : [{ node, host: str(vm["node"]) }];
  });
}

export function checkVmIds(data: unknown, settings: ValidConfig["settings"]): CheckResult[] {
  const vms = rows(data, "/cluster/resources?type=vm");
  return settings.nodes.map((node, index) => {
    const name = `proxmox vm ${node.vmId}`;
    const holder = vms.find((vm) => Number(vm["vmid"]) === node.vmId);
    if (holder === undefined) return pass(name, `id free for ${node.name} (among the VMs the token can see)`);
    const holderName = str(holder["name"]) || "(no name)";
    const kind = str(holder["type"]) === "lxc" ? "container" : "VM";
    if (isStackVm(holder, node)) {
      return pass(name, `already this stack's VM ${node.name} on ${str(holder["node"])}`);
    }
    return fail(
      name,
      `VM id ${node.vmId} (for ${node.name}) is taken by ${kind} ${JSON.stringify(holderName)} on ${str(holder["node"]) || "an unknown node"}`,
      `set homelab:nodes[${index}].vmId to a free id (\`pvesh get /cluster/nextid\` suggests one), or move that ${kind} to another id`,
    );
  });
}

/**
 * Changes Proxmox holds for a VM until its next restart (GET /nodes/{node}/qemu/{vmid}/pending, qemu-server
 * src/PVE/API2/Qemu.pm vm_pending): the program never restarts a VM (rebootAfterUpdate false), so a cores or
 * memory change waits here until the node is restarted from Proxmox, one at a time.
 */
export function checkPending(data: unknown, node: { name: string; vmId: number }, host: string): CheckResult {
  const name = `proxmox vm ${node.vmId} pending`;
  const pending = rows(data, `/nodes/${host}/qemu/${node.vmId}/pending`).filter(
    (r) => r["pending"] !== undefined || Number(r["delete"] ?? 0) > 0,
  );
  if (pending.length === 0) return pass(name, `${node.name} runs its configured hardware`);
  const changes = pending.map((r) =>
    Number(r["delete"] ?? 0) > 0 ? `${str(r["key"])} removed` : `${str(r["key"])} ${str(r["value"]) || "(unset)"} → ${str(r["pending"])}`,
  );
  return fail(
    name,
    `${node.name} has changes that apply only when the VM restarts: ${changes.join(", ")}`,
    `restart it from Proxmox (\`qm reboot ${node.vmId}\` on ${host}) while every other control plane is healthy, one node at a time: docs/operations.md, "Resizing a node"`,
  );
}

const tokenId = (token: string) => token.split("=", 1)[0] ?? "";

export async function checkProxmox(options: ProxmoxCheckOptions): Promise<ProxmoxReport> {
  const { settings } = options;
  const insecure = settings.proxmox.insecureSkipTlsVerify;
  const client: ProxmoxClient = createProxmoxClient({
    endpoint: settings.proxmox.endpoint,
    token: options.token,
    insecureSkipTlsVerify: insecure,
    timeoutMs: options.timeoutMs,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  });
  try {
    let version: unknown;
    try {
      version = await client.get("/version");
    } catch (error) {
      if (!(error instanceof ProxmoxError)) throw error;
      const results = [fail("proxmox api", error.message, error.fix)];
      if (error.fatal) return { results, skipped: ["the other proxmox checks (no usable answer from the API)"] };
      return { results, skipped: ["the other proxmox checks (GET /version failed)"] };
    }
    const tls = insecure ? "certificate NOT verified: insecureSkipTlsVerify is true" : "certificate verified";
    const results: CheckResult[] = [
      pass("proxmox api", `${client.origin} accepts token ${tokenId(options.token)} (${tls})`),
      checkVersion(version),
    ];

    results.push(...(await attempt("proxmox privileges", async () => checkPrivileges(await client.get("/access/permissions"), settings))));

    let present = new Set<string>();
    results.push(
      ...(await attempt("proxmox nodes", async () => {
        const nodes = checkNodes(await client.get("/nodes"), settings);
        present = nodes.present;
        return nodes.result;
      })),
    );
    const skipped: string[] = [];
    for (const host of new Set(settings.nodes.map((n) => n.proxmoxNode))) {
      if (!present.has(host)) {
        skipped.push(`proxmox storage and bridge on ${host} (node not available)`);
        continue;
      }
      const node = encodeURIComponent(host);
      results.push(
        ...(await attempt(`proxmox storage ${host}`, async () => checkStorage(await client.get(`/nodes/${node}/storage`), host, settings))),
      );
      results.push(
        ...(await attempt(`proxmox bridge ${host}`, async () => checkBridge(await client.get(`/nodes/${node}/network`), host, settings))),
      );
    }
    let resources: unknown = [];
    results.push(
      ...(await attempt("proxmox vm ids", async () => {
        resources = await client.get("/cluster/resources?type=vm");
        return checkVmIds(resources, settings);
      })),
    );
    for (const vm of stackVms(resources, settings)) {
      const path = `/nodes/${encodeURIComponent(vm.host)}/qemu/${vm.node.vmId}/pending`;
      results.push(
        ...(await attempt(`proxmox vm ${vm.node.vmId} pending`, async () => checkPending(await client.get(path), vm.node, vm.host))),
      );
    }
    return { results, skipped };
  } finally {
    client.close();
  }
}
