/**
 * The shape of the `homelab` stack config: one zod schema per key, the single
 * source of both validation and the TypeScript types. Every key is documented,
 * with its default, in Pulumi.homelab.yaml as shipped.
 */
import { z } from "zod";

import { parseX25519Recipient } from "../lib/age";
import { versions } from "../lib/versions";

const hostname = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ipv4Octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
export const ipv4Pattern = new RegExp(`^${ipv4Octet}(\\.${ipv4Octet}){3}$`);
const cidrPattern = new RegExp(`^${ipv4Octet}(\\.${ipv4Octet}){3}/(3[0-2]|[12]?\\d)$`);
const macPattern = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

const ipv4 = (what: string) =>
  z.string({ error: `${what} is required (an IPv4 address such as 192.168.10.41)` }).regex(ipv4Pattern, {
    error: (issue) => `${JSON.stringify(issue.input)} is not an IPv4 address; write it like 192.168.10.41`,
  });

const talosVersion = z.string().regex(/^v\d+\.\d+\.\d+$/, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a Talos release; write it with the leading v, like ${versions.talos}`,
});

const kubernetesVersion = z.string().regex(/^\d+\.\d+\.\d+$/, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a Kubernetes release; write it without the leading v, like ${versions.kubernetes}`,
});

/** What a Proxmox API URL carries beyond scheme, host and port (`the path /api2/json`), or undefined. */
export function proxmoxEndpointExtra(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.pathname !== "/" && url.pathname !== "") return `the path ${url.pathname}`;
  if (url.search !== "") return `the query ${url.search}`;
  if (url.hash !== "") return `the fragment ${url.hash}`;
  if (url.username !== "" || url.password !== "") return "credentials";
  return undefined;
}

export const proxmoxSchema = z.strictObject({
  endpoint: z
    .url({
      protocol: /^https$/,
      error: (issue) =>
        issue.input === undefined
          ? "the Proxmox API URL is required, like https://pve.example.lan:8006/"
          : `${JSON.stringify(issue.input)} is not an https URL; use the Proxmox API address, like https://pve.example.lan:8006/`,
    })
    .refine((url) => proxmoxEndpointExtra(url) === undefined, {
      // The provider keeps only scheme, host and port and always calls <that>/api2/json (bpg/terraform-provider-proxmox
      // v0.111.1 proxmox/api/client.go, NewConnection: `u.Path = ""`), so a path, query or credentials would be dropped.
      error: (issue) =>
        `${JSON.stringify(issue.input)} has ${proxmoxEndpointExtra(String(issue.input)) ?? "more than a host"}, which the Proxmox provider drops (it calls https://<host>:<port>/api2/json itself); give only the scheme, host and port, like https://pve.example.lan:8006/`,
    }),
  insecureSkipTlsVerify: z.boolean().default(false),
  node: z.string().regex(dnsLabel, { error: "must be the Proxmox node name as shown in the web UI, like pve" }),
  isoDatastore: z.string().min(1).default("local"),
  /** The ISO storage is shared by every Proxmox host (NFS, CephFS): download the ISO once, not once per host. */
  isoDatastoreShared: z.boolean().default(false),
  vmDatastore: z.string().min(1).default("local-lvm"),
  /**
   * Where each VM's TPM state and EFI vars live; defaults to vmDatastore. A separate, encrypted
   * storage keeps a stolen system disk or backup of vmDatastore from carrying the TPM that unseals it.
   */
  stateDatastore: z.string().min(1).optional(),
  /** Proxmox resource pool the VMs are created in; the API token's role is granted on /pool/<pool>. */
  pool: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]{0,63}$/, { error: "must be a Proxmox pool name (letters, digits, - _ .), like homelab" })
    .default("homelab"),
  bridge: z
    .string()
    .regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/, { error: "must be a Linux bridge name, like vmbr0" })
    .default("vmbr0"),
});

export const networkSchema = z.strictObject({
  subnet: z.string({ error: "the node subnet is required, like 192.168.10.0/24" }).regex(cidrPattern, {
    error: (issue) => `${JSON.stringify(issue.input)} is not an IPv4 CIDR; write it like 192.168.10.0/24`,
  }),
  gateway: ipv4("the default gateway"),
  nameservers: z.array(ipv4("a nameserver")).min(1, { error: "list at least one nameserver" }).default(["1.1.1.1", "9.9.9.9"]),
  /** `static`: Talos sets the address itself; `dhcp`: the address is a DHCP reservation for the node's MAC. */
  mode: z.enum(["static", "dhcp"], { error: 'must be "static" or "dhcp"' }).default("static"),
  /** 802.1Q tag for the VMs' NIC on the bridge (a dedicated node VLAN); untagged when unset. */
  vlan: z
    .int({ error: "must be a VLAN id from 1 to 4094" })
    .min(1, { error: "must be a VLAN id from 1 to 4094" })
    .max(4094, {
      error: "must be a VLAN id from 1 to 4094",
    })
    .optional(),
  /**
   * Subnets besides the node subnet that may reach the Talos API (50000) and the Kubernetes API (6443):
   * where you run `pulumi up`, talosctl and kubectl. Every other port and source is dropped.
   */
  adminSubnets: z
    .array(
      z.string().regex(cidrPattern, {
        error: (issue) => `${JSON.stringify(issue.input)} is not an IPv4 CIDR; write it like 192.168.20.0/24`,
      }),
    )
    .default([]),
});

export const clusterSchema = z.strictObject({
  name: z.string().regex(dnsLabel, { error: "must be a DNS label (lowercase letters, digits, -), like homelab" }).default("homelab"),
  /** Host name or IP the Kubernetes and Talos APIs are reached on; defaults to the VIP or the single control plane. */
  endpoint: z
    .union([z.string().regex(ipv4Pattern), z.string().regex(hostname)], {
      error: "must be a host name or IPv4 address without scheme or port, like k8s.example.lan",
    })
    .optional(),
  /** Shared control-plane address (Talos layer-2 VIP); required with more than one control plane. */
  vip: ipv4("the VIP").optional(),
  talosVersion: talosVersion.default(versions.talos),
  kubernetesVersion: kubernetesVersion.default(versions.kubernetes),
  /** Adds siderolabs/qemu-guest-agent to the image and enables the Proxmox agent. */
  qemuGuestAgent: z.boolean().default(true),
  network: networkSchema,
});

export const nodeSchema = z.strictObject({
  name: z.string().regex(dnsLabel, { error: "must be a DNS label (lowercase letters, digits, -), like talos-cp-1" }),
  role: z.enum(["controlplane", "worker"], { error: 'must be "controlplane" or "worker"' }).default("controlplane"),
  /** Proxmox node that hosts this VM; defaults to proxmox.node. */
  proxmoxNode: z.string().regex(dnsLabel, { error: "must be a Proxmox node name, like pve" }).optional(),
  vmId: z
    .int({ error: "must be a whole number from 100 to 999999999 (Proxmox VM ids)" })
    .min(100, {
      error: "must be at least 100 (Proxmox reserves ids below 100)",
    })
    .max(999_999_999, { error: "must be at most 999999999" }),
  mac: z.string({ error: "a fixed MAC address is required, like BC:24:11:00:00:01" }).regex(macPattern, {
    error: (issue) => `${JSON.stringify(issue.input)} is not a MAC address; write six hex pairs, like BC:24:11:00:00:01`,
  }),
  address: ipv4("the node address"),
  cores: z.int().min(2, { error: "Talos needs at least 2 cores" }).max(512).default(4),
  memoryMiB: z.int().min(4096, { error: "a Talos control plane needs at least 4096 MiB" }).max(4_194_304).default(8192),
  diskGiB: z.int().min(20, { error: "Talos needs a system disk of at least 20 GiB" }).max(65_536).default(64),
});

export const nodesSchema = z.array(nodeSchema).min(1, { error: "list at least one node (a control plane)" });

export const fluxSchema = z.strictObject({
  url: z
    .string({ error: "the Git repository Flux syncs is required, like https://github.com/you/homelab-gitops.git" })
    .regex(/^(https:\/\/[^\s/]+\/\S+|ssh:\/\/[^\s@]+@[^\s/]+\/\S+)$/, {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a Git URL Flux accepts; use https://host/owner/repo.git or ssh://git@host/owner/repo.git`,
    }),
  branch: z
    .string()
    .regex(/^[^\s~^:?*[\\]+$/, { error: "must be a Git branch name, like main" })
    .default("main"),
  path: z
    .string()
    .regex(/^(\.\/)?[\w.-]+(\/[\w.-]+)*\/?$/, { error: "must be a relative path in the repository, like clusters/homelab" })
    // kustomize-controller joins the path to the checkout with securejoin.SecureJoin, which clamps `..` at the
    // repository root (fluxcd/kustomize-controller v1.9.4 internal/controller/kustomization_controller.go), so a
    // path that climbs out is silently read as another directory inside the repository.
    .refine((path) => !path.split("/").includes(".."), {
      error: (issue) =>
        `${JSON.stringify(issue.input)} climbs out with "..", which Flux silently reads as a directory inside the repository; use the path from the repository root, like clusters/homelab`,
    })
    .default("clusters/homelab"),
  /**
   * Host keys of the Git server, in known_hosts format (`ssh-keyscan <host>`); required with an ssh:// URL,
   * because source-controller refuses SSH without them (fluxcd/pkg git/options.go, AuthOptions.Validate).
   */
  knownHosts: z.string().min(1).optional(),
  /** Local checkout of the GitOps repository; when set, every *.sops.yaml in it must decrypt with the stack's age key. */
  localCheckout: z.string().min(1).optional(),
});

const labelKey = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([\w.-]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([\w.-]{0,61}[A-Za-z0-9])?)?$/;

/** The label that admits a namespace to the `onepassword` ClusterSecretStore unless the config says otherwise. */
export const defaultStoreNamespaceLabel = { "homelab.secrets/onepassword": "allowed" } as const;

/**
 * Which namespaces may use the `onepassword` ClusterSecretStore (its `spec.conditions`): namespaces
 * carrying every label of `matchLabels`, or named in `names`.
 */
const storeNamespacesSchema = z
  .strictObject({
    matchLabels: z
      .record(
        z.string().regex(labelKey, { error: "must be a Kubernetes label key, like homelab.secrets/onepassword" }),
        z.string().regex(labelValue, { error: "must be a Kubernetes label value, like allowed" }),
      )
      .optional(),
    names: z.array(z.string().regex(dnsLabel, { error: "must be a namespace name, like apps" })).optional(),
  })
  // ESO lets every namespace use a ClusterSecretStore without conditions
  // (pkg/controllers/secretstore/client_manager.go shouldProcessSecret, external-secrets v2.9.0).
  .refine((allowed) => Object.keys(allowed.matchLabels ?? {}).length > 0 || (allowed.names ?? []).length > 0, {
    error: "set matchLabels or names: a store with no condition is open to every namespace",
  })
  .default({ matchLabels: { ...defaultStoreNamespaceLabel } });

export const onePasswordSchema = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({
      mode: z.literal("connect"),
      /** Vaults in priority order: the first is searched first. */
      vaults: z.array(z.string().min(1)).min(1, { error: "list at least one vault the Connect token can read" }),
      allowedNamespaces: storeNamespacesSchema,
    }),
    z.strictObject({
      mode: z.literal("sdk"),
      vault: z.string({ error: "the vault the service account reads is required" }).min(1),
      allowedNamespaces: storeNamespacesSchema,
    }),
  ],
  { error: 'must be "connect" (1Password Connect server) or "sdk" (service-account token, no Connect server)' },
);

export function isX25519Recipient(value: string): boolean {
  try {
    parseX25519Recipient(value);
    return true;
  } catch {
    return false;
  }
}

export const backupSchema = z.strictObject({
  /** Offline age recipients the Talos machine-secrets backup is encrypted to; never the cluster's own key. */
  recipients: z
    .array(
      z.string().refine(isX25519Recipient, {
        error: (issue) =>
          `${JSON.stringify(issue.input)} is not an age X25519 recipient; give the public key of an offline identity (\`age-keygen -y recovery.key\`, age1…)`,
      }),
    )
    .min(1, { error: "list at least one offline age recipient (age-keygen -o recovery.key; age-keygen -y recovery.key)" }),
  /** Path of a saved talosSecretsBackup: a new stack adopts those machine secrets instead of generating new ones. */
  restoreFrom: z.string().min(1).optional(),
  /**
   * The talosClusterIdentity output of the stack whose backup this is: a restore refuses a bundle with
   * another identity (components/config/restore.ts). Not a secret.
   */
  clusterIdentity: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, { error: "give the talosClusterIdentity output of the stack (sha256: and 64 hex digits)" })
    .optional(),
  /**
   * 1Password vault (Connect mode) an ESO PushSecret copies the sops-age identity and the encrypted
   * bundle into, through its own store holding only this vault and its own write token.
   */
  onePasswordVault: z.string().min(1).optional(),
});

/** Non-secret keys, each a top-level key of the `homelab` namespace. */
export const settingsSchema = z.strictObject({
  proxmox: proxmoxSchema,
  cluster: clusterSchema,
  nodes: nodesSchema,
  flux: fluxSchema,
  onePassword: onePasswordSchema,
  backup: backupSchema.optional(),
});

/**
 * An age identity: X25519 (`AGE-SECRET-KEY-1…`) or the post-quantum hybrid of age 1.3 / sops 3.12
 * (`AGE-SECRET-KEY-PQ-1…`), both Bech32 with 58 data characters; the age-encryption package decrypts both.
 */
const agePattern = /^AGE-SECRET-KEY-(PQ-)?1[02-9AC-HJ-NP-Z]{58}$/;
export const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * One PEM block of a private key, the forms Go's x/crypto/ssh ParsePrivateKey reads (source-controller
 * parses the `identity` with it): OPENSSH, RSA, EC or PKCS#8 ("PRIVATE KEY"). The header is assembled
 * so that this file does not itself look like a key to secret scanners.
 */
const pemKeyType = "(OPENSSH |RSA |EC )?PRIVATE KEY";
const sshPrivateKeyPattern = new RegExp(`^\\s*-----BEGIN ${pemKeyType}-----\\r?\\n[A-Za-z0-9+/=\\s:,-]+-----END ${pemKeyType}-----\\s*$`);

/**
 * Whether a private key needs a passphrase: legacy PEM says so in a `Proc-Type: 4,ENCRYPTED` header;
 * an OpenSSH key names its cipher after the `openssh-key-v1` magic (openssh PROTOCOL.key), "none" when plain.
 */
export function sshKeyIsEncrypted(key: string): boolean {
  if (/Proc-Type:\s*4,ENCRYPTED/.test(key)) return true;
  if (!key.includes("BEGIN OPENSSH PRIVATE KEY")) return false;
  const body = Buffer.from(key.replace(/-----[^-]+-----/g, "").replace(/\s/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  if (body.subarray(0, magic.length).toString("latin1") !== magic) return false;
  const length = body.readUInt32BE(magic.length);
  return body.subarray(magic.length + 4, magic.length + 4 + length).toString("latin1") !== "none";
}

/** Secret keys: each must be stored with `pulumi config set --secret`. */
export const secretSchemas = {
  proxmoxApiToken: z.string().regex(/^[\w.-]+@[\w.-]+![\w.-]+=[0-9a-fA-F-]{36}$/, {
    error: "must be a Proxmox API token as USER@REALM!TOKENID=UUID (Datacenter > Permissions > API Tokens)",
  }),
  sopsAgeKey: z.string().regex(agePattern, {
    error: "must be one age identity, AGE-SECRET-KEY-1 or AGE-SECRET-KEY-PQ-1 followed by 58 characters (the private line of `age-keygen`)",
  }),
  fluxGitToken: z.string().min(1).optional(),
  fluxSshKey: z
    .string()
    .regex(sshPrivateKeyPattern, {
      error: "must be an SSH private key in PEM or OpenSSH form, without a passphrase (`ssh-keygen -t ed25519 -N '' -f deploy-key`)",
    })
    .refine((key) => !sshKeyIsEncrypted(key), {
      error: "is protected by a passphrase, which Flux cannot be given here; make a deploy key without one (`ssh-keygen -N ''`)",
    })
    .optional(),
  onePasswordCredentials: z
    .string()
    .regex(base64Pattern, {
      error: "must be 1password-credentials.json encoded once with base64 (`base64 -w0 1password-credentials.json`)",
    })
    .optional(),
  onePasswordConnectToken: z
    .string()
    .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, {
      error: "must be a 1Password Connect access token (a JWT: three dot-separated parts)",
    })
    .optional(),
  /** Connect token with write access to homelab:backup.onePasswordVault only; separate from the read token. */
  onePasswordBackupToken: z
    .string()
    .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, {
      error: "must be a 1Password Connect access token (a JWT: three dot-separated parts)",
    })
    .optional(),
  onePasswordServiceAccountToken: z
    .string()
    .regex(/^ops_[\w-]{20,}$/, {
      error: "must be a 1Password service-account token, starting with ops_",
    })
    .optional(),
} as const;

export type SecretKey = keyof typeof secretSchemas;
export const secretKeys = Object.keys(secretSchemas) as SecretKey[];

export type Settings = z.infer<typeof settingsSchema>;
export type NodeSettings = Settings["nodes"][number];
export type OnePasswordSettings = Settings["onePassword"];
export type BackupSettings = NonNullable<Settings["backup"]>;
export type SecretValues = { [K in SecretKey]: z.infer<(typeof secretSchemas)[K]> };
