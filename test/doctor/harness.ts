/**
 * A fake Proxmox VE API for the doctor tests: HTTPS on 127.0.0.1 (port 0) with
 * a self-signed certificate made by `openssl` at test time, answering the few
 * GETs the doctor makes from a mutable state. Also the config JSON the Pulumi
 * CLI would print, and a fake CLI runner. No key material is committed.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { type AddressInfo, createServer as createTcpServer } from "node:net";

import { type Certificate, selfSignedCertificate } from "../../offline/certificates";
import { type RoleName, ROLES } from "../../scripts/doctor/privileges";

export type { Certificate } from "../../offline/certificates";
import {
  connectSecrets,
  type GeneratedSecrets,
  generateSecrets,
  type Settings,
  singleNodeSettings,
  stackConfig,
} from "../../offline/fixtures";
import type { CommandRunner, RunResult } from "../../scripts/doctor/pulumi";

/** A self-signed P-256 certificate for IP 127.0.0.1, valid one day. */
export function localhostCertificate(): Certificate {
  return selfSignedCertificate({ subject: "/CN=127.0.0.1", days: 1, subjectAltName: "IP:127.0.0.1" });
}

type Row = Record<string, unknown>;

export interface FakeProxmoxState {
  /** The only token accepted (`PVEAPIToken=<token>`); anything else gets 401. */
  token: string;
  version: string;
  permissions: Record<string, Record<string, number>>;
  nodes: Row[];
  storage: Record<string, Row[]>;
  network: Record<string, Row[]>;
  resources: Row[];
  /** `GET /nodes/{node}/qemu/{vmid}/pending` rows by VM id; a VM not listed has nothing pending. */
  pending?: Record<number, Row[]>;
  /** Delay before each answer, ms. */
  delayMs: number;
  /** Answer this status instead, for paths matching `path` (with optional reason phrase and body). */
  fault?: { path: RegExp; status: number; reason?: string; body?: string };
}

const role = (name: RoleName) => Object.fromEntries(ROLES[name].map((p) => [p, 1]));

/**
 * `GET /access/permissions` of a token set up as README.md says, for the example stack
 * (pool homelab, storages local and local-lvm, node pve, bridge vmbr0).
 */
export function readmePermissions(): Record<string, Record<string, number>> {
  return {
    "/pool/homelab": role("PulumiTalosVMs"),
    "/storage/local-lvm": role("PulumiTalosDisks"),
    "/storage/local": role("PulumiTalosISOs"),
    "/nodes/pve": role("PulumiTalosDownload"),
    "/sdn/zones/localnetwork/vmbr0": role("PulumiTalosBridge"),
  };
}

export function defaultState(token: string): FakeProxmoxState {
  return {
    token,
    version: "9.0.3",
    permissions: readmePermissions(),
    nodes: [{ node: "pve", status: "online", type: "node" }],
    storage: {
      pve: [
        { storage: "local", content: "iso,vztmpl,backup", type: "dir", active: 1, enabled: 1 },
        { storage: "local-lvm", content: "images,rootdir", type: "lvmthin", active: 1, enabled: 1 },
      ],
    },
    network: {
      pve: [
        { iface: "eno1", type: "eth", active: 1 },
        { iface: "vmbr0", type: "bridge", active: 1 },
      ],
    },
    resources: [{ id: "qemu/100", vmid: 100, name: "pihole", node: "pve", type: "qemu", tags: "dns" }],
    delayMs: 0,
  };
}

export interface FakeProxmox {
  port: number;
  endpoint: string;
  state: FakeProxmoxState;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

function route(state: FakeProxmoxState, path: string): { status: number; reason?: string; body: unknown } {
  const ok = (data: unknown) => ({ status: 200, body: { data } });
  const node = /^\/api2\/json\/nodes\/([^/]+)\/(storage|network)$/.exec(path);
  if (path === "/api2/json/version")
    return ok({ version: state.version, release: state.version.split(".").slice(0, 2).join("."), repoid: "0123abcd" });
  if (path === "/api2/json/access/permissions") return ok(state.permissions);
  if (path === "/api2/json/nodes") return ok(state.nodes);
  if (node) {
    const table = node[2] === "storage" ? state.storage : state.network;
    const rows = table[decodeURIComponent(node[1]!)];
    return rows === undefined
      ? { status: 500, reason: `hostname lookup '${node[1]}' failed - failed to get address info`, body: { data: null } }
      : ok(rows);
  }
  if (path === "/api2/json/cluster/resources?type=vm") return ok(state.resources);
  const pending = /^\/api2\/json\/nodes\/[^/]+\/qemu\/(\d+)\/pending$/.exec(path);
  if (pending) {
    const vmid = Number(pending[1]);
    if (!state.resources.some((r) => r["vmid"] === vmid))
      return { status: 500, reason: `Configuration file 'nodes/pve/qemu-server/${vmid}.conf' does not exist`, body: { data: null } };
    // Every key with its current value, as qemu-server's vm_pending lists them; changed keys also carry `pending`.
    return ok([{ key: "name", value: "vm" }, ...(state.pending?.[vmid] ?? [])]);
  }
  return { status: 501, reason: `Method 'GET ${path}' not implemented`, body: { data: null } };
}

export async function startFakeProxmox(certificate: Certificate, state: FakeProxmoxState): Promise<FakeProxmox> {
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "";
    requests.push(path);
    const send = (status: number, reason: string | undefined, body: string) => {
      res.writeHead(status, reason ?? "", { "Content-Type": "application/json;charset=UTF-8" });
      res.end(body);
    };
    if (req.headers.authorization !== `PVEAPIToken=${state.token}`) {
      send(401, "invalid token value!", JSON.stringify({ data: null }));
    } else if (state.fault?.path.test(path)) {
      send(state.fault.status, state.fault.reason, state.fault.body ?? JSON.stringify({ data: null }));
    } else {
      const { status, reason, body } = route(state, path);
      send(status, reason, JSON.stringify(body));
    }
  };
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    if (state.delayMs <= 0) {
      answer(req, res);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(req, res);
    }, state.delayMs);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    endpoint: `https://127.0.0.1:${port}/`,
    state,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** A port on 127.0.0.1 that was just open and is now closed: connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

export interface DoctorStack {
  settings: Settings;
  secrets: Partial<GeneratedSecrets>;
  all: GeneratedSecrets;
}

/** The single-node fixture pointed at `endpoint`, with freshly generated Connect-mode secrets. */
export async function doctorStack(endpoint: string): Promise<DoctorStack> {
  const all = await generateSecrets();
  const settings = singleNodeSettings();
  settings["proxmox"] = { ...(settings["proxmox"] as object), endpoint };
  // Not the example's placeholder (github.com/example/…), which the doctor fails on.
  settings["flux"] = { ...(settings["flux"] as object), url: "https://git.home.arpa/homelab/homelab-gitops.git" };
  return { settings, secrets: connectSecrets(all), all };
}

/** What `pulumi config --show-secrets --json` prints for that stack. */
export function pulumiConfigJson(stack: Pick<DoctorStack, "settings" | "secrets">, plaintext: string[] = []): string {
  const { config, secretKeys } = stackConfig(stack.settings, stack.secrets, plaintext);
  const entries = Object.entries(config).map(([key, value]) => {
    const secret = secretKeys.includes(key);
    const structured = !secret && (value.startsWith("{") || value.startsWith("["));
    return [key, { value, secret, ...(structured ? { objectValue: JSON.parse(value) as unknown } : {}) }];
  });
  return JSON.stringify(Object.fromEntries(entries), null, 2);
}

/** A fake `pulumi`: `version` prints `version` (or the CLI is missing), `config` prints `configJson`. */
export function fakePulumi(options: { version?: string; configJson?: string; missing?: boolean }): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  const answer = (args: string[]): RunResult => {
    if (options.missing) return { kind: "missing" };
    if (args[0] === "version") return { kind: "exited", code: 0, stdout: `${options.version ?? "v3.248.0"}\n`, stderr: "" };
    if (args[0] === "config") {
      if (options.configJson === undefined)
        return { kind: "exited", code: 255, stdout: "", stderr: "error: no stack named 'homelab' found" };
      return { kind: "exited", code: 0, stdout: options.configJson, stderr: "" };
    }
    return { kind: "exited", code: 1, stdout: "", stderr: `unknown command ${args.join(" ")}` };
  };
  const runner = (command: string, args: string[]): Promise<RunResult> => {
    calls.push([command, ...args]);
    return Promise.resolve(answer(args));
  };
  return Object.assign(runner, { calls });
}
