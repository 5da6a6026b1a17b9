/** Pure helpers for the Talos layer: values rebuilt or read from provider outputs. */
import { X509Certificate } from "node:crypto";

import type * as talos from "@pulumiverse/talos";

import type { Derived } from "../config";

type MachineSecrets = talos.types.output.machine.MachineSecrets;

/**
 * The machine secrets rebuilt key by key. Passing the provider's nested output
 * object straight into getConfiguration loses fields in the bridged SDKs
 * (pulumiverse/pulumi-talos#103, #158), so every field is named here.
 */
export function machineSecretsInput(secrets: MachineSecrets): MachineSecrets {
  const { certs, cluster, secrets: kubernetes, trustdinfo } = secrets;
  return {
    certs: {
      etcd: { cert: certs.etcd.cert, key: certs.etcd.key },
      k8s: { cert: certs.k8s.cert, key: certs.k8s.key },
      k8sAggregator: { cert: certs.k8sAggregator.cert, key: certs.k8sAggregator.key },
      k8sServiceaccount: { key: certs.k8sServiceaccount.key },
      os: { cert: certs.os.cert, key: certs.os.key },
    },
    cluster: { id: cluster.id, secret: cluster.secret },
    secrets: {
      bootstrapToken: kubernetes.bootstrapToken,
      secretboxEncryptionSecret: kubernetes.secretboxEncryptionSecret,
      ...(kubernetes.aescbcEncryptionSecret === undefined ? {} : { aescbcEncryptionSecret: kubernetes.aescbcEncryptionSecret }),
    },
    trustdinfo: { token: trustdinfo.token },
  };
}

/** Expiry (ISO 8601) of the talosconfig client certificate, given base64 PEM as Talos hands it out. */
export function certificateExpiry(base64Pem: string): string {
  const certificate = new X509Certificate(Buffer.from(base64Pem, "base64"));
  return new Date(certificate.validTo).toISOString();
}

/** Apply mode of every ConfigurationApply: never let the provider reboot a node (see TalosCluster). */
export const applyModeNoReboot = "no_reboot";

/**
 * The health gate in front of the Kubernetes layers: etcd healthy with exactly
 * the control planes as members, apid and kubelet up on each of them. Workers
 * are left out: with them, one worker down would hold every later change for
 * the whole timeout. The Kubernetes-level checks list every node of the
 * cluster, workers included (siderolabs/talos v1.13.9
 * pkg/cluster/check/default.go DefaultClusterChecks, kubernetes.go
 * K8sAllNodesReportedAssertion), so they run only when every node is a control
 * plane; with workers the gate runs PreBootSequenceChecks only
 * (skipKubernetesChecks, siderolabs/terraform-provider-talos v0.11.0
 * pkg/talos/talos_cluster_health_data_source.go).
 */
export function controlPlaneHealthArgs(
  clientConfiguration: talos.types.input.cluster.GetHealthClientConfigurationArgs,
  derived: Pick<Derived, "controlPlanes" | "workers">,
  timeout: string,
): talos.cluster.GetHealthOutputArgs {
  const controlPlaneAddresses = derived.controlPlanes.map((n) => n.address);
  return {
    clientConfiguration,
    controlPlaneNodes: controlPlaneAddresses,
    workerNodes: [],
    skipKubernetesChecks: derived.workers.length > 0,
    endpoints: controlPlaneAddresses,
    timeouts: { read: timeout },
  };
}
