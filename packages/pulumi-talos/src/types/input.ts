// Local binding of @pulumiverse/talos v0.8.1: input object types.
// Same namespaces, interface names and property names as sdk/nodejs/types/input.ts of
// pulumiverse/pulumi-talos v0.8.1 (generated from schema/pulumi-talos-schema.json), restricted to the
// types referenced by the resources and invokes this binding exposes. Note the namespace is
// `imageFactory` here (schema module name) while the top-level module is `imagefactory`, as upstream.

import * as pulumi from "@pulumi/pulumi";

import * as inputs from "../types/input";

export namespace client {
  /** Schema type `talos:client/getConfigurationClientConfiguration:getConfigurationClientConfiguration` (plain form). */
  export interface GetConfigurationClientConfiguration {
    /** The client CA certificate */
    caCertificate: string;
    /** The client certificate */
    clientCertificate: string;
    /** The client key (secret in the schema) */
    clientKey: string;
  }

  /** Schema type `talos:client/getConfigurationClientConfiguration:getConfigurationClientConfiguration` (Output-invoke form). */
  export interface GetConfigurationClientConfigurationArgs {
    /** The client CA certificate */
    caCertificate: pulumi.Input<string>;
    /** The client certificate */
    clientCertificate: pulumi.Input<string>;
    /** The client key (secret in the schema) */
    clientKey: pulumi.Input<string>;
  }
}

export namespace cluster {
  /** Schema type `talos:cluster/getHealthClientConfiguration:getHealthClientConfiguration` (plain form). */
  export interface GetHealthClientConfiguration {
    /** The client CA certificate */
    caCertificate: string;
    /** The client certificate */
    clientCertificate: string;
    /** The client key (secret in the schema) */
    clientKey: string;
  }

  /** Schema type `talos:cluster/getHealthClientConfiguration:getHealthClientConfiguration` (Output-invoke form). */
  export interface GetHealthClientConfigurationArgs {
    /** The client CA certificate */
    caCertificate: pulumi.Input<string>;
    /** The client certificate */
    clientCertificate: pulumi.Input<string>;
    /** The client key (secret in the schema) */
    clientKey: pulumi.Input<string>;
  }

  /** Schema type `talos:cluster/getHealthTimeouts:getHealthTimeouts` (plain form). */
  export interface GetHealthTimeouts {
    /** A duration string such as "30s" or "2h45m" (units s, m, h) for the read operation. */
    read?: string;
  }

  /** Schema type `talos:cluster/getHealthTimeouts:getHealthTimeouts` (Output-invoke form). */
  export interface GetHealthTimeoutsArgs {
    /** A duration string such as "30s" or "2h45m" (units s, m, h) for the read operation. */
    read?: pulumi.Input<string | undefined>;
  }

  /** Schema type `talos:cluster/KubeconfigClientConfiguration:KubeconfigClientConfiguration`. */
  export interface KubeconfigClientConfiguration {
    /** The client CA certificate */
    caCertificate: pulumi.Input<string>;
    /** The client certificate */
    clientCertificate: pulumi.Input<string>;
    /** The client key (secret in the schema) */
    clientKey: pulumi.Input<string>;
  }

  /** Schema type `talos:cluster/KubeconfigKubernetesClientConfiguration:KubeconfigKubernetesClientConfiguration` (state only). */
  export interface KubeconfigKubernetesClientConfiguration {
    /** The kubernetes CA certificate */
    caCertificate?: pulumi.Input<string | undefined>;
    /** The kubernetes client certificate */
    clientCertificate?: pulumi.Input<string | undefined>;
    /** The kubernetes client key (secret in the schema) */
    clientKey?: pulumi.Input<string | undefined>;
    /** The kubernetes host */
    host?: pulumi.Input<string | undefined>;
  }

  /** Schema type `talos:cluster/KubeconfigTimeouts:KubeconfigTimeouts`. */
  export interface KubeconfigTimeouts {
    /** A duration string such as "30s" or "2h45m" (units s, m, h). */
    create?: pulumi.Input<string | undefined>;
    /** A duration string such as "30s" or "2h45m" (units s, m, h). */
    update?: pulumi.Input<string | undefined>;
  }
}

export namespace machine {
  /** Schema type `talos:machine/BootstrapClientConfigurationWo:BootstrapClientConfigurationWo` (all fields secret). */
  export interface BootstrapClientConfigurationWo {
    /** Write-only. The client CA certificate */
    caCertificate: pulumi.Input<string>;
    /** Write-only. The client certificate */
    clientCertificate: pulumi.Input<string>;
    /** Write-only. The client key */
    clientKey: pulumi.Input<string>;
  }

  /** Schema type `talos:machine/BootstrapTimeouts:BootstrapTimeouts`. */
  export interface BootstrapTimeouts {
    /** A duration string such as "30s" or "2h45m" (units s, m, h). */
    create?: pulumi.Input<string | undefined>;
  }

  /** A Machine Secrets Certificate (schema type `talos:machine/generated:Certificate`, plain form). */
  export interface Certificate {
    /** Certificate */
    cert: string;
    /** Private Key (secret in the schema) */
    key: string;
  }

  /** A Machine Secrets Certificate (schema type `talos:machine/generated:Certificate`, Output-invoke form). */
  export interface CertificateArgs {
    /** Certificate */
    cert: pulumi.Input<string>;
    /** Private Key (secret in the schema) */
    key: pulumi.Input<string>;
  }

  /** A complete Machine Secrets Certificates configuration (schema type `talos:machine/generated:Certificates`, plain form). */
  export interface Certificates {
    etcd: inputs.machine.Certificate;
    k8s: inputs.machine.Certificate;
    k8sAggregator: inputs.machine.Certificate;
    k8sServiceaccount: inputs.machine.Key;
    os: inputs.machine.Certificate;
  }

  /** A complete Machine Secrets Certificates configuration (schema type `talos:machine/generated:Certificates`, Output-invoke form). */
  export interface CertificatesArgs {
    etcd: pulumi.Input<inputs.machine.CertificateArgs>;
    k8s: pulumi.Input<inputs.machine.CertificateArgs>;
    k8sAggregator: pulumi.Input<inputs.machine.CertificateArgs>;
    k8sServiceaccount: pulumi.Input<inputs.machine.KeyArgs>;
    os: pulumi.Input<inputs.machine.CertificateArgs>;
  }

  /** A Client Configuration (schema type `talos:machine/generated:ClientConfiguration`). */
  export interface ClientConfiguration {
    /** The client CA certificate */
    caCertificate: pulumi.Input<string>;
    /** The client certificate */
    clientCertificate: pulumi.Input<string>;
    /** The client private key (secret in the schema) */
    clientKey: pulumi.Input<string>;
  }

  /** A Machine Secrets Cluster Info (schema type `talos:machine/generated:Cluster`, plain form). */
  export interface Cluster {
    /** Cluster ID */
    id: string;
    /** Cluster secret (secret in the schema) */
    secret: string;
  }

  /** A Machine Secrets Cluster Info (schema type `talos:machine/generated:Cluster`, Output-invoke form). */
  export interface ClusterArgs {
    /** Cluster ID */
    id: pulumi.Input<string>;
    /** Cluster secret (secret in the schema) */
    secret: pulumi.Input<string>;
  }

  /** Schema type `talos:machine/ConfigurationApplyClientConfigurationWo:ConfigurationApplyClientConfigurationWo` (all fields secret). */
  export interface ConfigurationApplyClientConfigurationWo {
    /** Write-only. The client CA certificate */
    caCertificate: pulumi.Input<string>;
    /** Write-only. The client certificate */
    clientCertificate: pulumi.Input<string>;
    /** Write-only. The client key */
    clientKey: pulumi.Input<string>;
  }

  /** Schema type `talos:machine/ConfigurationApplyOnDestroy:ConfigurationApplyOnDestroy`. */
  export interface ConfigurationApplyOnDestroy {
    /** Leave etcd before the reset (enforces etcd checks). Default true */
    graceful?: pulumi.Input<boolean | undefined>;
    /** Reboot instead of halting after resetting. Default false */
    reboot?: pulumi.Input<boolean | undefined>;
    /** Reset the machine to the initial state (STATE and EPHEMERAL wiped). Default false */
    reset?: pulumi.Input<boolean | undefined>;
  }

  /** A Machine Secrets Private Key (schema type `talos:machine/generated:Key`, plain form). */
  export interface Key {
    /** Private Key (secret in the schema) */
    key: string;
  }

  /** A Machine Secrets Private Key (schema type `talos:machine/generated:Key`, Output-invoke form). */
  export interface KeyArgs {
    /** Private Key (secret in the schema) */
    key: pulumi.Input<string>;
  }

  /** Kubernetes secrets (schema type `talos:machine/generated:KubernetesSecrets`, plain form). */
  export interface KubernetesSecrets {
    /** The AES-CBC encryption secret (secret in the schema) */
    aescbcEncryptionSecret?: string;
    /** The bootstrap token (secret in the schema) */
    bootstrapToken: string;
    /** The secretbox encryption secret (secret in the schema) */
    secretboxEncryptionSecret: string;
  }

  /** Kubernetes secrets (schema type `talos:machine/generated:KubernetesSecrets`, Output-invoke form). */
  export interface KubernetesSecretsArgs {
    /** The AES-CBC encryption secret (secret in the schema) */
    aescbcEncryptionSecret?: pulumi.Input<string | undefined>;
    /** The bootstrap token (secret in the schema) */
    bootstrapToken: pulumi.Input<string>;
    /** The secretbox encryption secret (secret in the schema) */
    secretboxEncryptionSecret: pulumi.Input<string>;
  }

  /** A complete Machine Secrets configuration (schema type `talos:machine/generated:MachineSecrets`, plain form). */
  export interface MachineSecrets {
    certs: inputs.machine.Certificates;
    cluster: inputs.machine.Cluster;
    secrets: inputs.machine.KubernetesSecrets;
    trustdinfo: inputs.machine.TrustdInfo;
  }

  /** A complete Machine Secrets configuration (schema type `talos:machine/generated:MachineSecrets`, Output-invoke form). */
  export interface MachineSecretsArgs {
    certs: pulumi.Input<inputs.machine.CertificatesArgs>;
    cluster: pulumi.Input<inputs.machine.ClusterArgs>;
    secrets: pulumi.Input<inputs.machine.KubernetesSecretsArgs>;
    trustdinfo: pulumi.Input<inputs.machine.TrustdInfoArgs>;
  }

  /** Schema type `talos:machine/Timeout:Timeout` (ConfigurationApply timeouts). */
  export interface Timeout {
    /** A duration string such as "30s" or "2h45m" (units s, m, h). */
    create?: pulumi.Input<string | undefined>;
    /** A duration string; only applies if changes are saved into state before the destroy. */
    delete?: pulumi.Input<string | undefined>;
    /** A duration string such as "30s" or "2h45m" (units s, m, h). */
    update?: pulumi.Input<string | undefined>;
  }

  /** trustd info (schema type `talos:machine/generated:TrustdInfo`, plain form). */
  export interface TrustdInfo {
    /** The trustd token (secret in the schema) */
    token: string;
  }

  /** trustd info (schema type `talos:machine/generated:TrustdInfo`, Output-invoke form). */
  export interface TrustdInfoArgs {
    /** The trustd token (secret in the schema) */
    token: pulumi.Input<string>;
  }
}
