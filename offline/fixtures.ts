/**
 * Example stack configs and throwaway secrets for offline evaluation (tests,
 * plan, bench). Every secret is generated at run time; nothing that looks like
 * a real key is committed.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";

import { bech32Encode } from "../components/lib/age";

const base64url = (bytes: number) => randomBytes(bytes).toString("base64url");

export interface GeneratedSecrets {
  proxmoxApiToken: string;
  sopsAgeKey: string;
  onePasswordCredentials: string;
  onePasswordConnectToken: string;
  onePasswordBackupToken: string;
  onePasswordServiceAccountToken: string;
  fluxGitToken: string;
  fluxSshKey: string;
}

export async function generateAgeIdentity(): Promise<string> {
  const age = await import("age-encryption");
  return age.generateX25519Identity();
}

/** An offline age X25519 key pair for backups, made synchronously (the `age-encryption` library is async). */
export function generateRecoveryKey(): { identity: string; recipient: string } {
  const { privateKey } = generateKeyPairSync("x25519");
  const secret = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const point = createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(-32);
  return { identity: bech32Encode("AGE-SECRET-KEY-", secret).toUpperCase(), recipient: bech32Encode("age", point) };
}

/** A credentials file with the fields Connect writes, random values, encoded once. */
export function fakeCredentialsFile(): string {
  const file = {
    verifier: { salt: base64url(16), localHash: base64url(32) },
    encCredentials: { kid: "localauthv2keykid", enc: "A256GCM", cty: "b5+jwk+json", iv: base64url(12), data: base64url(512) },
    version: "2",
    deviceUuid: base64url(16),
    uniqueKey: { alg: "A256GCM", ext: true, k: base64url(32), key_ops: ["decrypt", "encrypt"], kty: "oct", kid: base64url(16) },
  };
  return Buffer.from(JSON.stringify(file)).toString("base64");
}

/** A throwaway ed25519 deploy key as PKCS#8 PEM, one of the forms source-controller's SSH parser reads. */
export function generateSshKey(): string {
  return generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/** A known_hosts line for `host` with a throwaway ed25519 host key, in the wire format ssh-keyscan prints. */
export function generateKnownHosts(host: string): string {
  const raw = generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const type = Buffer.from("ssh-ed25519");
  const blob = Buffer.concat([lengthPrefixed(type), lengthPrefixed(raw)]);
  return `${host} ssh-ed25519 ${blob.toString("base64")}\n`;
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

export async function generateSecrets(): Promise<GeneratedSecrets> {
  return {
    proxmoxApiToken: `pulumi@pve!homelab=${randomUUID()}`,
    sopsAgeKey: await generateAgeIdentity(),
    onePasswordCredentials: fakeCredentialsFile(),
    onePasswordConnectToken: `${base64url(24)}.${base64url(96)}.${base64url(64)}`,
    onePasswordBackupToken: `${base64url(24)}.${base64url(96)}.${base64url(64)}`,
    onePasswordServiceAccountToken: `ops_${base64url(120)}`,
    fluxGitToken: `gitpat_${base64url(30)}`,
    fluxSshKey: generateSshKey(),
  };
}

export type Settings = Record<string, unknown>;

/** The single-node example: one control plane that also runs workloads. */
export function singleNodeSettings(): Settings {
  return {
    proxmox: { endpoint: "https://pve.example.lan:8006/", node: "pve", isoDatastore: "local", vmDatastore: "local-lvm", bridge: "vmbr0" },
    cluster: {
      name: "homelab",
      network: { subnet: "192.168.10.0/24", gateway: "192.168.10.1", nameservers: ["192.168.10.1"] },
    },
    nodes: [{ name: "talos-cp-1", role: "controlplane", vmId: 800, mac: "BC:24:11:00:00:01", address: "192.168.10.41" }],
    flux: { url: "https://github.com/example/homelab-gitops.git", branch: "main", path: "clusters/homelab" },
    onePassword: { mode: "connect", vaults: ["homelab", "shared"] },
  };
}

/** `count` nodes: three control planes behind a VIP, the rest workers, spread over two Proxmox hosts. */
export function multiNodeSettings(count: number): Settings {
  const settings = singleNodeSettings();
  const controlPlanes = Math.min(3, count);
  settings["cluster"] = { ...(settings["cluster"] as object), vip: "192.168.10.40" };
  settings["nodes"] = Array.from({ length: count }, (_, i) => {
    const role = i < controlPlanes ? "controlplane" : "worker";
    const hex = (i + 1).toString(16).padStart(2, "0").toUpperCase();
    return {
      name: role === "controlplane" ? `talos-cp-${i + 1}` : `talos-worker-${i + 1 - controlPlanes}`,
      role,
      proxmoxNode: i % 2 === 0 ? "pve" : "pve2",
      vmId: 800 + i,
      mac: `BC:24:11:00:00:${hex}`,
      address: `192.168.10.${41 + i}`,
    };
  });
  return settings;
}

export interface StackConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

/** Turns settings and secrets into the engine's raw config, secrets flagged as stored encrypted. */
export function stackConfig(settings: Settings, secrets: Partial<GeneratedSecrets>, plaintext: string[] = []): StackConfig {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value !== undefined) config[`homelab:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(secrets) as [string, string | undefined][]) {
    if (value === undefined) continue;
    config[`homelab:${key}`] = value;
    if (!plaintext.includes(key)) secretKeys.push(`homelab:${key}`);
  }
  return { config, secretKeys };
}

/** Secrets for the Connect mode (the default fixture): no service-account token, no Git token or key. */
export function connectSecrets(all: GeneratedSecrets): Partial<GeneratedSecrets> {
  const {
    onePasswordServiceAccountToken: _unused,
    onePasswordBackupToken: _noBackup,
    fluxGitToken: _none,
    fluxSshKey: _noKey,
    ...rest
  } = all;
  return rest;
}
