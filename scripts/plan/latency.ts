/**
 * A latency model of `pulumi up`: how long each resource type takes to reach
 * "created" on a typical homelab (one Proxmox host with local SSD storage, a
 * 100 Mbit/s internet link). The figures are modelling assumptions, each with
 * the basis it rests on; override them with `npm run plan -- --latency file.json`
 * (a JSON object of type token to seconds) after timing your own run.
 */
import type { Registration } from "../../offline/harness";

export interface Latency {
  seconds: number;
  basis: string;
}

export const latencyModel: Record<string, Latency> = {
  "talos:imageFactory/schematic:Schematic": {
    seconds: 2,
    basis: "one POST to factory.talos.dev/schematics; the factory answers with the schematic id without building anything",
  },
  "proxmoxve:download/file:File": {
    seconds: 30,
    basis:
      "Proxmox fetches the Secure Boot ISO itself (about 110 MiB for Talos 1.13 with one extension; the factory builds it on first request) over 100 Mbit/s",
  },
  "proxmoxve:index/vmLegacy:VmLegacy": {
    seconds: 20,
    basis: "allocating disk, EFI vars and TPM state on local-lvm; the VM is created stopped (started: false)",
  },
  // VmStart (components/proxmox/start.ts) is the program's only dynamic resource.
  "pulumi-nodejs:dynamic:Resource": {
    seconds: 60,
    basis:
      "VmStart: 20 s for two pve-firewall compile cycles (src/PVE/Service/pve_firewall.pm, $updatetime = 10), one start call, then the UEFI boot of the ISO into Talos maintenance mode (counted here because apply needs the API up)",
  },
  "proxmoxve:firewall/ipsetLegacy:IpsetLegacy": { seconds: 1, basis: "one API call (the VM's ipfilter set)" },
  "proxmoxve:firewall/rulesLegacy:RulesLegacy": { seconds: 1, basis: "one API call per rule, issued together" },
  "proxmoxve:firewall/optionsLegacy:OptionsLegacy": { seconds: 1, basis: "one API call that turns the VM's firewall on" },
  "talos:machine/configurationApply:ConfigurationApply": {
    seconds: 240,
    basis:
      "config over the maintenance API, installer image pull from factory.talos.dev, install to disk, TPM key enrolment, LUKS2 formatting of STATE/EPHEMERAL, reboot from disk",
  },
  "talos:machine/bootstrap:Bootstrap": {
    seconds: 20,
    basis: "the provider retries until the node's API answers after the install reboot, then etcd init",
  },
  "talos:cluster/getHealth:getHealth": {
    seconds: 180,
    basis: "etcd, kubelet and the static control-plane pods coming up, then CoreDNS and kube-proxy ready (talosctl health's checks)",
  },
  "talos:cluster/kubeconfig:Kubeconfig": { seconds: 2, basis: "one Talos API call that signs an admin certificate" },
  "kubernetes:helm.sh/v3:Release": {
    seconds: 60,
    basis: "Helm install with wait: image pulls and readiness of the chart's Deployments (skipAwait false)",
  },
  "kubernetes:fluxcd.controlplane.io/v1:FluxInstance": {
    seconds: 30,
    // spec.wait is false (components/flux/documents.ts): the operator reports Ready once it has applied the
    // distribution, without health-checking what it applied (flux-operator v0.58.1,
    // internal/controller/fluxinstance_controller.go, apply).
    basis:
      "the operator pulls the Flux distribution and applies its four controllers; Ready (pulumi.com/waitFor) awaits neither their rollout nor the sync",
  },
  "kubernetes:external-secrets.io/v1:ClusterSecretStore": {
    seconds: 10,
    basis: "ESO validates the store against 1Password and sets Ready",
  },
  "kubernetes:core/v1:Namespace": { seconds: 1, basis: "one API call" },
  "kubernetes:core/v1:Secret": { seconds: 1, basis: "one API call" },
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": { seconds: 1, basis: "one API call" },
};

/** Seconds one resource adds to the path through it; providers, components and secrets generation cost nothing. */
export function costOf(model: Record<string, Latency>): (r: Registration) => number {
  return (r) => model[r.type]?.seconds ?? 0;
}

/** The health wait is an invoke, not a resource: it is charged to what waits for it, the kubeconfig. */
export function withHealthWait(model: Record<string, Latency>): Record<string, Latency> {
  const health = model["talos:cluster/getHealth:getHealth"];
  const kubeconfig = model["talos:cluster/kubeconfig:Kubeconfig"];
  if (health === undefined || kubeconfig === undefined) return model;
  return {
    ...model,
    "talos:cluster/kubeconfig:Kubeconfig": {
      seconds: health.seconds + kubeconfig.seconds,
      basis: `${kubeconfig.basis}, after the health wait`,
    },
  };
}

/**
 * The shortest chain the layers strictly need for one cluster: each step needs
 * the one before it, and nothing else has to be waited for. A program whose
 * critical path is longer serialises work that could run in parallel.
 */
export function strictChain(onePasswordMode: "connect" | "sdk"): string[] {
  return [
    "talos:imageFactory/schematic:Schematic",
    "proxmoxve:download/file:File",
    "proxmoxve:index/vmLegacy:VmLegacy",
    "proxmoxve:firewall/rulesLegacy:RulesLegacy", // the VM firewall is in force before the config, with its keys, is sent
    "proxmoxve:firewall/optionsLegacy:OptionsLegacy",
    "pulumi-nodejs:dynamic:Resource", // VmStart: the first boot, once the firewall is in force
    "talos:machine/configurationApply:ConfigurationApply",
    "talos:machine/bootstrap:Bootstrap",
    "talos:cluster/kubeconfig:Kubeconfig", // charged with the health wait (withHealthWait)
    "kubernetes:core/v1:Namespace", // flux-system
    "kubernetes:helm.sh/v3:Release", // flux-operator
    "kubernetes:fluxcd.controlplane.io/v1:FluxInstance",
    "kubernetes:core/v1:Namespace", // external-secrets
    "kubernetes:helm.sh/v3:Release", // External Secrets
    ...(onePasswordMode === "connect" ? ["kubernetes:helm.sh/v3:Release"] : []), // 1Password Connect
    "kubernetes:external-secrets.io/v1:ClusterSecretStore",
  ];
}

export function strictChainSeconds(model: Record<string, Latency>, onePasswordMode: "connect" | "sdk"): number {
  return strictChain(onePasswordMode).reduce((sum, type) => sum + (model[type]?.seconds ?? 0), 0);
}
