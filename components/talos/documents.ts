/** Pure helpers for the Talos layer: values rebuilt or read from provider outputs. */
import { X509Certificate } from "node:crypto";

import type * as talos from "@pulumiverse/talos";

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
