/**
 * A secure homelab Kubernetes cluster, layer by layer:
 * Proxmox VMs → Talos (Secure Boot, TPM-sealed LUKS2, secretbox) → Flux with
 * SOPS → External Secrets with 1Password. This file reads the config and wires
 * the layers; each layer lives in components/<layer>/.
 */
import * as pulumi from "@pulumi/pulumi";

import { loadConfig } from "./components/config";
import { Flux } from "./components/flux";
import { TalosMachines } from "./components/proxmox";
import { ExternalSecrets } from "./components/secrets";
import { TalosCluster } from "./components/talos";

export = async () => {
  const { settings, derived, secrets, onePasswordCredentials, fluxGitCredentials, ageRecipient, restore } = await loadConfig();

  const machines = new TalosMachines("pve", { settings, nodes: settings.nodes, derived, apiToken: secrets.proxmoxApiToken });
  const cluster = new TalosCluster("talos", {
    settings,
    derived,
    nodes: settings.nodes,
    vms: machines.vms,
    firewalls: machines.firewalls,
    installerImage: machines.installerImage,
    installDisk: machines.installDisk,
    ...(settings.backup ? { backupRecipients: settings.backup.recipients } : {}),
    ...(restore ? { restore } : {}),
  });
  const flux = new Flux("flux", {
    flux: settings.flux,
    provider: cluster.kubernetesProvider,
    sopsAgeKey: secrets.sopsAgeKey,
    ...(fluxGitCredentials ? { gitCredentials: fluxGitCredentials } : {}),
  });
  const backupVault = settings.backup?.onePasswordVault;
  new ExternalSecrets(
    "eso",
    {
      onePassword: settings.onePassword,
      credentials: onePasswordCredentials,
      provider: cluster.kubernetesProvider,
      // validateConfig has required the backup token and the recipients (hence the bundle) with the vault.
      ...(backupVault !== undefined && secrets.onePasswordBackupToken !== undefined && cluster.secretsBackup !== undefined
        ? {
            backup: {
              vault: backupVault,
              token: secrets.onePasswordBackupToken,
              sopsAgeSecret: flux.sopsAgeSecret,
              talosSecretsBackup: cluster.secretsBackup,
            },
          }
        : {}),
    },
    { dependsOn: [flux] },
  );

  return {
    kubeconfig: cluster.kubeconfig,
    talosconfig: cluster.talosconfig,
    clientCertificateExpiry: cluster.clientCertificateExpiry,
    clusterEndpoint: pulumi.output(derived.clusterEndpoint),
    nodeAddresses: pulumi.output(Object.fromEntries(settings.nodes.map((n) => [n.name, n.address]))),
    talosVersion: pulumi.output(settings.cluster.talosVersion),
    kubernetesVersion: pulumi.output(settings.cluster.kubernetesVersion),
    installerImage: machines.installerImage,
    ageRecipient: pulumi.output(ageRecipient),
    fluxSync: flux.sync,
    ...(cluster.secretsBackup ? { talosSecretsBackup: cluster.secretsBackup } : {}),
    ...(cluster.secretsIdentity ? { talosClusterIdentity: cluster.secretsIdentity } : {}),
  };
};
