/**
 * Layer 2: Talos. Machine secrets (once, protected), one machine config per
 * node applied to its VM without ever rebooting it, etcd bootstrapped once per
 * cluster, a control-plane health gate, then the kubeconfig and the
 * Kubernetes provider every later layer uses.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as proxmox from "@pulumi/proxmoxve";
import * as pulumi from "@pulumi/pulumi";
import * as talos from "@pulumiverse/talos";

import type { ClusterNode, Derived, Settings } from "../config";
import { secretsIdentity } from "../lib/talos-bundle";
import { encryptedSecretsBackup } from "./backup";
import { applyModeNoReboot, certificateExpiry, controlPlaneHealthArgs, machineSecretsInput } from "./documents";
import { nodePatches, renderPatch } from "./patches";

export interface TalosClusterArgs {
  settings: Pick<Settings, "cluster">;
  derived: Derived;
  nodes: ClusterNode[];
  /** The VM of each node, by node name. */
  vms: Record<string, proxmox.VmLegacy>;
  /** What must be in force in front of each node before its config (with the cluster keys) is sent. */
  firewalls?: Record<string, pulumi.Resource[]>;
  installerImage: pulumi.Input<string>;
  /** Device the VMs present their system disk as. */
  installDisk: string;
  /** Offline age recipients of the machine-secrets backup; none, no backup. */
  backupRecipients?: readonly string[];
  /**
   * Restore into a fresh stack: import the machine secrets from this secrets
   * bundle file instead of generating new ones, and adopt the bootstrap that
   * `talosctl bootstrap --recover-from` does by hand (docs/disaster-recovery.md).
   */
  restore?: { secretsImportId: string; removeBundle(): void };
}

/**
 * The bootstrap of a restored cluster is done by `talosctl bootstrap --recover-from`,
 * never by this program, so the Bootstrap resource is imported. Its ImportState
 * sets only the id `machine_bootstrap` and leaves node, endpoint and client
 * configuration null (siderolabs/terraform-provider-talos v0.11.0
 * pkg/talos/talos_machine_bootstrap_resource.go). None of the program's inputs
 * is ignored: the engine resets an ignored input to the imported (null) value
 * before the provider's Check (pulumi/pulumi v3.248.0
 * pkg/resource/deploy/step_generator.go, continueStepsFromImport), and Check
 * refuses a Bootstrap without node or client configuration (ValidateConfig).
 * With the program's inputs, Check passes and the engine then diffs them
 * against the imported state: node, endpoint, client configuration and
 * timeouts differ, none of them RequiresReplace (Schema), so the step is an
 * update, and the resource's Update only records the plan (no Talos call).
 */
export const adoptedBootstrapId = "machine_bootstrap";

/** Long first installs (image pull, TPM enrolment, reboot) outlast the provider's 10-minute default (siderolabs/terraform-provider-talos v0.11.0 pkg/talos/talos_machine_bootstrap_resource.go, Timeouts.Create). */
const slowOperation = "30m";
/** Renew the admin kubeconfig three months before it expires (default 720h: siderolabs/terraform-provider-talos v0.11.0 pkg/talos/talos_cluster_kubeconfig_resource.go), so a quarterly `up` always catches it. */
const kubeconfigRenewal = "2160h";

export class TalosCluster extends pulumi.ComponentResource {
  public readonly kubeconfig: pulumi.Output<string>;
  public readonly talosconfig: pulumi.Output<string>;
  /** Kubernetes provider for the later layers; its identity survives kubeconfig renewal (clusterIdentifier). */
  public readonly kubernetesProvider: k8s.Provider;
  public readonly clientCertificateExpiry: pulumi.Output<string>;
  /** The machine secrets as an age-encrypted secrets bundle (armor); ciphertext, so not a Pulumi secret. */
  public readonly secretsBackup: pulumi.Output<string> | undefined;
  /** What identifies the machine secrets (secretsIdentity): a restore of the backup must match it; not a secret. */
  public readonly secretsIdentity: pulumi.Output<string> | undefined;

  constructor(name: string, args: TalosClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:talos:Cluster", name, {}, opts);
    const { cluster } = args.settings;
    const { derived } = args;

    // A lower talosVersion on Secrets would regenerate the cluster PKI (RequiresReplace when the planned version is
    // lower: siderolabs/terraform-provider-talos v0.11.0 pkg/talos/talos_machine_secrets_resource.go): fix it at creation.
    const secrets = new talos.machine.Secrets(
      `${name}-secrets`,
      { talosVersion: cluster.talosVersion },
      {
        parent: this,
        protect: true,
        // An import records talos_version v1.3 (ImportState), whatever the config says.
        ignoreChanges: ["talosVersion"],
        // No additionalSecretOutputs: the provider already marks every key, token and secret inside machineSecrets and
        // clientConfiguration secret (pulumi-talos-schema.json), and the engine would wrap those objects in a second
        // secret (pulumi/pulumi v3.248.0 step_executor.go) that the Node SDK hands the program still wrapped
        // (runtime/rpc.js deserializeProperty): a real `pulumi up` then failed at the first Talos invoke.
        ...(args.restore ? { import: args.restore.secretsImportId } : {}),
      },
    );
    const restore = args.restore;
    // The decrypted bundle is needed only until the engine has read it for the import.
    if (restore)
      secrets.id.apply(() => {
        restore.removeBundle();
      });
    // Secret here as a whole, so no later input can carry any part of them in the clear.
    const machineSecrets = pulumi.secret(secrets.machineSecrets.apply(machineSecretsInput));
    const recipients = args.backupRecipients;
    this.secretsBackup =
      recipients === undefined || recipients.length === 0
        ? undefined
        : pulumi.unsecret(machineSecrets.apply((s) => encryptedSecretsBackup(s, recipients)));
    this.secretsIdentity = this.secretsBackup === undefined ? undefined : pulumi.unsecret(machineSecrets.apply(secretsIdentity));
    const clientConfiguration = {
      caCertificate: secrets.clientConfiguration.caCertificate,
      clientCertificate: secrets.clientConfiguration.clientCertificate,
      clientKey: pulumi.secret(secrets.clientConfiguration.clientKey),
    };

    const applies = new Map<string, talos.machine.ConfigurationApply>();
    for (const node of args.nodes) {
      const vm = args.vms[node.name];
      if (vm === undefined) throw new pulumi.ResourceError(`no VM for node ${node.name}`, this);
      const configPatches = pulumi.all([args.installerImage, machineSecrets]).apply(([installerImage, s]) =>
        nodePatches({
          node,
          settings: args.settings,
          derived,
          installerImage,
          installDisk: args.installDisk,
          secretboxEncryptionSecret: s.secrets.secretboxEncryptionSecret,
        }).map(renderPatch),
      );
      const configuration = talos.machine.getConfigurationOutput(
        {
          clusterName: cluster.name,
          clusterEndpoint: derived.clusterEndpoint,
          machineType: node.role,
          machineSecrets,
          talosVersion: cluster.talosVersion,
          kubernetesVersion: cluster.kubernetesVersion,
          configPatches,
          docs: false,
          examples: false,
        },
        { parent: this },
      );
      applies.set(
        node.name,
        new talos.machine.ConfigurationApply(
          `${name}-${node.name}`,
          {
            clientConfiguration,
            machineConfigurationInput: configuration.machineConfiguration,
            node: node.address,
            endpoint: node.address,
            // A change that needs a reboot is refused with InvalidArgument instead of rebooting the node, so one
            // `up` never reboots every control plane at once (siderolabs/talos v1.13.9
            // internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go, ApplyConfiguration: NO_REBOOT
            // checks CanApplyImmediate except in maintenance mode, where the first install proceeds as usual).
            applyMode: applyModeNoReboot,
            timeouts: { create: slowOperation, update: slowOperation },
          },
          // Apply reads nothing back from the node (its Read is empty: siderolabs/terraform-provider-talos v0.11.0
          // pkg/talos/talos_machine_configuration_apply_resource.go), so a new VM must force a new apply.
          { parent: this, dependsOn: [vm, ...(args.firewalls?.[node.name] ?? [])], replaceWith: [vm] },
        ),
      );
    }

    const bootstrapNode = derived.bootstrapNode;
    const bootstrapApply = applies.get(bootstrapNode.name);
    if (bootstrapApply === undefined) throw new pulumi.ResourceError(`bootstrap node ${bootstrapNode.name} has no VM`, this);
    // Bootstrap is once per cluster, and never again by this program, not even for a new VM. Talos answers a second
    // one with AlreadyExists "etcd data directory is not empty" (siderolabs/talos v1.13.9
    // internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go, Bootstrap), and the provider retries every
    // error but InvalidArgument until its timeout (siderolabs/terraform-provider-talos v0.11.0
    // pkg/talos/talos_machine_bootstrap_resource.go, Create). A new VM of one of several control planes joins the
    // etcd the others keep running; a new VM of the only control plane must get its etcd back from a snapshot with
    // `talosctl bootstrap --recover-from`, which Talos refuses once a plain bootstrap has started an empty etcd
    // (same Bootstrap: the data directory is no longer empty). So no replaceWith: a rebuilt single control plane
    // waits in the health check until the person recovers it (docs/disaster-recovery.md, "Rebuilding one control plane").
    const bootstrap = new talos.machine.Bootstrap(
      `${name}-bootstrap`,
      { clientConfiguration, node: bootstrapNode.address, endpoint: bootstrapNode.address, timeouts: { create: slowOperation } },
      {
        parent: this,
        dependsOn: [bootstrapApply],
        ...(restore ? { import: adoptedBootstrapId } : {}),
      },
    );

    const controlPlaneAddresses = derived.controlPlanes.map((n) => n.address);
    const controlPlaneApplies = derived.controlPlanes.map((n) => applies.get(n.name)).filter((a) => a !== undefined);
    // A preview must never block on a live cluster (or fail for want of one), so only a real run waits.
    const healthy: pulumi.Input<pulumi.Resource[]> = pulumi.runtime.isDryRun()
      ? [bootstrap]
      : talos.cluster
          .getHealthOutput(controlPlaneHealthArgs(clientConfiguration, derived, slowOperation), {
            parent: this,
            dependsOn: [bootstrap, ...controlPlaneApplies],
          })
          .apply((): pulumi.Resource[] => [bootstrap]);

    const kubeconfig = new talos.cluster.Kubeconfig(
      `${name}-kubeconfig`,
      {
        clientConfiguration,
        node: bootstrapNode.address,
        // The Talos API is reached on a node, never through the VIP, which only exists while etcd is healthy.
        endpoint: bootstrapNode.address,
        certificateRenewalDuration: kubeconfigRenewal,
        timeouts: { create: slowOperation, update: slowOperation },
      },
      { parent: this, dependsOn: healthy },
    );
    this.kubeconfig = pulumi.secret(kubeconfig.kubeconfigRaw);

    this.talosconfig = pulumi.secret(
      talos.client.getConfigurationOutput(
        { clusterName: cluster.name, clientConfiguration, endpoints: controlPlaneAddresses, nodes: args.nodes.map((n) => n.address) },
        { parent: this },
      ).talosConfig,
    );
    this.clientCertificateExpiry = pulumi.unsecret(secrets.clientConfiguration.clientCertificate.apply(certificateExpiry));

    this.kubernetesProvider = new k8s.Provider(
      `${name}-kubernetes`,
      // A stable identifier stops an unknown or renewed kubeconfig from replacing every resource under it
      // (pulumi/pulumi-kubernetes v4.32.0 provider/pkg/provider/provider.go, DiffConfig and clusterIdentifier).
      { kubeconfig: this.kubeconfig, clusterIdentifier: `talos-${cluster.name}` },
      { parent: this },
    );

    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      talosconfig: this.talosconfig,
      clientCertificateExpiry: this.clientCertificateExpiry,
      secretsBackup: this.secretsBackup,
      secretsIdentity: this.secretsIdentity,
    });
  }
}
