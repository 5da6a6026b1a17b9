// Local binding of @pulumiverse/talos v0.8.1: output object types.
// Same namespaces, interface names and property names as sdk/nodejs/types/output.ts of
// pulumiverse/pulumi-talos v0.8.1 (generated from schema/pulumi-talos-schema.json), restricted to the
// types referenced by the resources and invokes this binding exposes.
//
// Nested `secret: true` fields (clientKey, certificate keys, cluster secret, bootstrap token, ...) are
// not wrapped by the SDK: the provider returns them as secrets at run time. Only top-level properties
// are listed in `additionalSecretOutputs` (see the resource classes).

import * as outputs from "../types/output";

export namespace client {
  /** Schema type `talos:client/getConfigurationClientConfiguration:getConfigurationClientConfiguration`. */
  export interface GetConfigurationClientConfiguration {
    /** The client CA certificate */
    caCertificate: string;
    /** The client certificate */
    clientCertificate: string;
    /** The client key (secret in the schema) */
    clientKey: string;
  }
}

export namespace cluster {
  /** Schema type `talos:cluster/getHealthClientConfiguration:getHealthClientConfiguration`. */
  export interface GetHealthClientConfiguration {
    /** The client CA certificate */
    caCertificate: string;
    /** The client certificate */
    clientCertificate: string;
    /** The client key (secret in the schema) */
    clientKey: string;
  }

  /** Schema type `talos:cluster/getHealthTimeouts:getHealthTimeouts`. */
  export interface GetHealthTimeouts {
    /** A duration string such as "30s" or "2h45m" (units s, m, h) for the read operation. */
    read?: string;
  }

  /** Schema type `talos:cluster/KubeconfigClientConfiguration:KubeconfigClientConfiguration`. */
  export interface KubeconfigClientConfiguration {
    /** The client CA certificate */
    caCertificate: string;
    /** The client certificate */
    clientCertificate: string;
    /** The client key (secret in the schema) */
    clientKey: string;
  }

  /** Schema type `talos:cluster/KubeconfigKubernetesClientConfiguration:KubeconfigKubernetesClientConfiguration`. */
  export interface KubeconfigKubernetesClientConfiguration {
    /** The kubernetes CA certificate */
    caCertificate: string;
    /** The kubernetes client certificate */
    clientCertificate: string;
    /** The kubernetes client key (secret in the schema) */
    clientKey: string;
    /** The kubernetes host */
    host: string;
  }

  /** Schema type `talos:cluster/KubeconfigTimeouts:KubeconfigTimeouts`. */
  export interface KubeconfigTimeouts {
    /** A duration string such as "30s" or "2h45m" (units s, m, h). */
    create?: string;
    /** A duration string such as "30s" or "2h45m" (units s, m, h). */
    update?: string;
  }
}

export namespace imageFactory {
  /** Schema type `talos:imageFactory/getUrlsUrls:getUrlsUrls`: the Image Factory URLs for a schematic. */
  export interface GetUrlsUrls {
    /** The URL for the disk image */
    diskImage: string;
    /** The URL for the disk image with secure boot */
    diskImageSecureboot: string;
    /** The URL for the initramfs image */
    initramfs: string;
    /** The URL for the installer image */
    installer: string;
    /** The URL for the installer image with secure boot */
    installerSecureboot: string;
    /** The URL for the ISO image */
    iso: string;
    /** The URL for the ISO image with secure boot */
    isoSecureboot: string;
    /** The URL for the kernel image */
    kernel: string;
    /** The URL for the kernel command line */
    kernelCommandLine: string;
    /** The URL for the PXE image */
    pxe: string;
    /** The URL for the UKI image */
    uki: string;
  }
}

export namespace machine {
  /** Schema type `talos:machine/BootstrapClientConfigurationWo:BootstrapClientConfigurationWo` (all fields secret). */
  export interface BootstrapClientConfigurationWo {
    caCertificate: string;
    clientCertificate: string;
    clientKey: string;
  }

  /** Schema type `talos:machine/BootstrapTimeouts:BootstrapTimeouts`. */
  export interface BootstrapTimeouts {
    create?: string;
  }

  /** A Machine Secrets Certificate (schema type `talos:machine/generated:Certificate`). */
  export interface Certificate {
    /** Certificate */
    cert: string;
    /** Private Key (secret in the schema) */
    key: string;
  }

  /** A complete Machine Secrets Certificates configuration (schema type `talos:machine/generated:Certificates`). */
  export interface Certificates {
    etcd: outputs.machine.Certificate;
    k8s: outputs.machine.Certificate;
    k8sAggregator: outputs.machine.Certificate;
    k8sServiceaccount: outputs.machine.Key;
    os: outputs.machine.Certificate;
  }

  /** A Client Configuration (schema type `talos:machine/generated:ClientConfiguration`). */
  export interface ClientConfiguration {
    /** The client CA certificate */
    caCertificate: string;
    /** The client certificate */
    clientCertificate: string;
    /** The client private key (secret in the schema) */
    clientKey: string;
  }

  /** A Machine Secrets Cluster Info (schema type `talos:machine/generated:Cluster`). */
  export interface Cluster {
    /** Cluster ID */
    id: string;
    /** Cluster secret (secret in the schema) */
    secret: string;
  }

  /** Schema type `talos:machine/ConfigurationApplyClientConfigurationWo:ConfigurationApplyClientConfigurationWo` (all fields secret). */
  export interface ConfigurationApplyClientConfigurationWo {
    caCertificate: string;
    clientCertificate: string;
    clientKey: string;
  }

  /** Schema type `talos:machine/ConfigurationApplyOnDestroy:ConfigurationApplyOnDestroy`. */
  export interface ConfigurationApplyOnDestroy {
    graceful: boolean;
    reboot: boolean;
    reset: boolean;
  }

  /** A Machine Secrets Private Key (schema type `talos:machine/generated:Key`). */
  export interface Key {
    /** Private Key (secret in the schema) */
    key: string;
  }

  /** Kubernetes secrets (schema type `talos:machine/generated:KubernetesSecrets`). */
  export interface KubernetesSecrets {
    /** The AES-CBC encryption secret (secret in the schema) */
    aescbcEncryptionSecret?: string;
    /** The bootstrap token (secret in the schema) */
    bootstrapToken: string;
    /** The secretbox encryption secret (secret in the schema) */
    secretboxEncryptionSecret: string;
  }

  /** A complete Machine Secrets configuration (schema type `talos:machine/generated:MachineSecrets`). */
  export interface MachineSecrets {
    certs: outputs.machine.Certificates;
    cluster: outputs.machine.Cluster;
    secrets: outputs.machine.KubernetesSecrets;
    trustdinfo: outputs.machine.TrustdInfo;
  }

  /** Schema type `talos:machine/Timeout:Timeout` (ConfigurationApply timeouts). */
  export interface Timeout {
    create?: string;
    delete?: string;
    update?: string;
  }

  /** trustd info (schema type `talos:machine/generated:TrustdInfo`). */
  export interface TrustdInfo {
    /** The trustd token (secret in the schema) */
    token: string;
  }
}
