/**
 * Talos machine-config patches, one pure function per concern, numbered in the
 * order they are applied. The types mirror the Talos config schema; every
 * document is validated against the schema of each supported Talos minor
 * (test/fixtures/schemas/talos-config.v1.*.schema.json), and the supported
 * minors are those whose schema accepts them all (test/talos/schema-support.test.ts).
 */
import type { ClusterNode, Derived, Settings } from "../config";
import { addressPlan, ingressRules } from "../lib/firewall";
import { toYamlDocuments } from "../lib/yaml";

/** The v1alpha1 main document, as far as these patches touch it. */
export interface MachineConfigPatch {
  machine?: {
    install?: { disk?: string; image?: string; wipe?: boolean };
    certSANs?: string[];
    nodeLabels?: Record<string, string>;
    features?: {
      kubernetesTalosAPIAccess?: { enabled: boolean; allowedRoles: string[]; allowedKubernetesNamespaces: string[] };
    };
  };
  cluster?: {
    secretboxEncryptionSecret?: string;
    allowSchedulingOnControlPlanes?: boolean;
    apiServer?: { certSANs?: string[] };
    network?: { cni: { name: "flannel"; flannel: { kubeNetworkPoliciesEnabled: boolean } } };
  };
}

interface Versioned<Kind extends string> {
  apiVersion: "v1alpha1";
  kind: Kind;
}

interface EncryptionKey {
  slot: number;
  tpm: { checkSecurebootStatusOnEnroll: boolean };
  lockToState?: boolean;
}

export interface VolumeConfig extends Versioned<"VolumeConfig"> {
  name: "STATE" | "EPHEMERAL";
  encryption: { provider: "luks2"; keys: EncryptionKey[] };
}

export interface HostnameConfig extends Versioned<"HostnameConfig"> {
  hostname: string;
  auto: "off";
}

export interface LinkAliasConfig extends Versioned<"LinkAliasConfig"> {
  name: string;
  selector: { match: string };
}

export interface LinkConfig extends Versioned<"LinkConfig"> {
  name: string;
  addresses: { address: string }[];
  routes: { gateway: string }[];
}

export interface DHCPv4Config extends Versioned<"DHCPv4Config"> {
  name: string;
}

export interface ResolverConfig extends Versioned<"ResolverConfig"> {
  nameservers: { address: string }[];
}

export interface Layer2VIPConfig extends Versioned<"Layer2VIPConfig"> {
  name: string;
  link: string;
}

export interface NetworkDefaultActionConfig extends Versioned<"NetworkDefaultActionConfig"> {
  ingress: "accept" | "block";
}

export interface NetworkRuleConfig extends Versioned<"NetworkRuleConfig"> {
  name: string;
  portSelector: { ports: (number | string)[]; protocol: "tcp" | "udp" };
  ingress: { subnet: string }[];
}

export type TalosDocument =
  | MachineConfigPatch
  | VolumeConfig
  | HostnameConfig
  | LinkAliasConfig
  | LinkConfig
  | DHCPv4Config
  | ResolverConfig
  | Layer2VIPConfig
  | NetworkDefaultActionConfig
  | NetworkRuleConfig;

/** A named patch: one or more documents sent as one multi-document YAML patch. */
export interface Patch {
  name: string;
  documents: TalosDocument[];
}

/** Alias of the node's NIC, found by its MAC so the name does not depend on PCI order. */
export const linkAlias = "lan0";

/**
 * 01: install to the VM's system disk with the Secure Boot installer of the ISO's schematic: the installed
 * OS comes from machine.install.image, and the default installer is not the Secure Boot one.
 */
export function installPatch(installerImage: string, installDisk: string): Patch {
  return {
    name: "01-install",
    documents: [{ machine: { install: { disk: installDisk, image: installerImage, wipe: false } } }],
  };
}

/** 02: hostname, NIC by MAC, static address or DHCP reservation, resolvers, and the VIP on control planes. */
export function networkPatch(node: ClusterNode, network: Settings["cluster"]["network"], derived: Derived, vip: string | undefined): Patch {
  const addressing: LinkConfig | DHCPv4Config =
    network.mode === "static"
      ? {
          apiVersion: "v1alpha1",
          kind: "LinkConfig",
          name: linkAlias,
          addresses: [{ address: `${node.address}/${derived.subnet.prefixLength}` }],
          routes: [{ gateway: network.gateway }],
        }
      : { apiVersion: "v1alpha1", kind: "DHCPv4Config", name: linkAlias };
  const documents: TalosDocument[] = [
    // The generated config carries `HostnameConfig {auto: stable}` and patches merge into it; a hostname
    // beside any auto other than "off" is rejected (siderolabs/talos#12891).
    { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: node.name, auto: "off" },
    {
      apiVersion: "v1alpha1",
      kind: "LinkAliasConfig",
      name: linkAlias,
      selector: { match: `mac(link.permanent_addr) == "${node.mac.toLowerCase()}"` },
    },
    addressing,
    { apiVersion: "v1alpha1", kind: "ResolverConfig", nameservers: network.nameservers.map((address) => ({ address })) },
  ];
  if (vip !== undefined && node.role === "controlplane") {
    documents.push({ apiVersion: "v1alpha1", kind: "Layer2VIPConfig", name: vip, link: linkAlias });
  }
  return { name: "02-network", documents };
}

const tpmKey = (extra: Partial<EncryptionKey> = {}): EncryptionKey => ({
  slot: 0,
  // Refuse to seal a key while Secure Boot is off: such a key would not be bound to the signed boot chain.
  tpm: { checkSecurebootStatusOnEnroll: true },
  ...extra,
});

/**
 * 03: LUKS2 on STATE and EPHEMERAL with keys sealed to the VM's TPM. EPHEMERAL
 * is also locked to STATE's salt, so it cannot be opened next to another STATE;
 * STATE itself cannot lock to itself.
 */
export function diskEncryptionPatch(): Patch {
  return {
    name: "03-disk-encryption",
    documents: [
      { apiVersion: "v1alpha1", kind: "VolumeConfig", name: "STATE", encryption: { provider: "luks2", keys: [tpmKey()] } },
      {
        apiVersion: "v1alpha1",
        kind: "VolumeConfig",
        name: "EPHEMERAL",
        encryption: { provider: "luks2", keys: [tpmKey({ lockToState: true })] },
      },
    ],
  };
}

/**
 * 04: encrypt Kubernetes Secrets in etcd with secretbox. The key comes from the
 * machine secrets; setting it explicitly keeps it whatever the config contract
 * would emit by default.
 */
export function secretboxPatch(secretboxEncryptionSecret: string): Patch {
  return { name: "04-secretbox", documents: [{ cluster: { secretboxEncryptionSecret } }] };
}

/** 05: API names, and workloads on control planes when there are no workers to run them. */
export function clusterPatch(derived: Derived): Patch {
  return {
    name: "05-cluster",
    documents: [
      {
        machine: { certSANs: derived.certSans },
        cluster: { apiServer: { certSANs: derived.certSans }, allowSchedulingOnControlPlanes: derived.workers.length === 0 },
      },
    ],
  };
}

/**
 * 06: the host firewall. Ingress is blocked except the flows of the traffic
 * model (components/lib/firewall.ts), each from the sources Talos sees for it
 * (NetworkDefaultActionConfig + NetworkRuleConfig, siderolabs/talos v1.13.9
 * pkg/machinery/config/types/network/rule_config.go). Until this config is
 * applied the node is in maintenance mode without it; the Proxmox VM firewall
 * enforces the same list from the first boot.
 */
export function firewallPatch(node: ClusterNode, network: Settings["cluster"]["network"], derived: Derived): Patch {
  const rules = ingressRules(node.role, addressPlan(network, derived), "talos");
  return {
    name: "06-firewall",
    documents: [
      { apiVersion: "v1alpha1", kind: "NetworkDefaultActionConfig", ingress: "block" },
      ...rules.map((rule): NetworkRuleConfig => ({
        apiVersion: "v1alpha1",
        kind: "NetworkRuleConfig",
        name: rule.name,
        portSelector: { ports: rule.ports.map(([lo, hi]) => (lo === hi ? lo : `${lo}-${hi}`)), protocol: rule.protocol },
        ingress: rule.sources.map((subnet) => ({ subnet })),
      })),
    ],
  };
}

/**
 * 07: make the default Flannel CNI enforce NetworkPolicies. Without it the
 * policies Flux and this program create are accepted and ignored. Talos then
 * deploys kube-network-policies next to Flannel
 * (internal/app/machined/pkg/controllers/k8s/internal/k8stemplates/flannel.go,
 * hack/test/patches/flannel-netpol.yaml, siderolabs/talos v1.13.9, PR #12590);
 * the key exists from Talos 1.13 on (website/content/v1.13/schemas/config.schema.json).
 */
export function networkPolicyPatch(): Patch {
  return {
    name: "07-network-policies",
    documents: [{ cluster: { network: { cni: { name: "flannel", flannel: { kubeNetworkPoliciesEnabled: true } } } } }],
  };
}

/**
 * Every patch for one node, in order. Workers run no API server, so they get
 * neither the secretbox key (it stays on the machines that need it) nor the
 * API server settings.
 */
export function nodePatches(args: {
  node: ClusterNode;
  settings: Pick<Settings, "cluster">;
  derived: Derived;
  installerImage: string;
  installDisk: string;
  secretboxEncryptionSecret: string;
}): Patch[] {
  const { node, settings, derived } = args;
  const base = [
    installPatch(args.installerImage, args.installDisk),
    networkPatch(node, settings.cluster.network, derived, settings.cluster.vip),
    diskEncryptionPatch(),
  ];
  const firewall = firewallPatch(node, settings.cluster.network, derived);
  return node.role === "controlplane"
    ? [
        ...base,
        secretboxPatch(args.secretboxEncryptionSecret),
        clusterPatch(derived),
        firewall,
        networkPolicyPatch(),
        talosApiAccessPatch(),
      ]
    : [...base, firewall];
}

/** Namespace of the talos-backup CronJob in the GitOps template (gitops/infrastructure/talos-backup). */
export const talosBackupNamespace = "talos-backup";

/**
 * 08: let the talos-backup CronJob take etcd snapshots over the Talos API, with
 * the `os:etcd:backup` role only and from its namespace only (siderolabs/talos-backup
 * README.md at v0.1.0-beta.3; Talos creates a talosconfig Secret for a
 * `talos.dev/v1alpha1` ServiceAccount in an allowed namespace,
 * internal/app/machined/pkg/controllers/kubeaccess/serviceaccount/crd_controller.go, v1.13.9).
 * Control planes only: snapshots come from etcd members.
 */
export function talosApiAccessPatch(): Patch {
  return {
    name: "08-talos-api-access",
    documents: [
      {
        machine: {
          features: {
            kubernetesTalosAPIAccess: {
              enabled: true,
              allowedRoles: ["os:etcd:backup"],
              allowedKubernetesNamespaces: [talosBackupNamespace],
            },
          },
        },
      },
    ],
  };
}

/** A patch as Talos receives it: multi-document YAML headed by a comment with its name. */
export function renderPatch(patch: Patch): string {
  return `# ${patch.name}\n${toYamlDocuments(patch.documents)}`;
}
