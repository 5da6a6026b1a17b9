/**
 * Every rule that spans several config keys, in the order their problems are
 * listed. To add one: write a `Rule` (components/config/parsed.ts) in the file
 * of its concern, or a new file, and list it here; give it a bad-config fixture
 * (test/fixtures/bad-configs/) pinned to its message.
 */
import type { Rule } from "../parsed";
import { backupRecipientsOffline, backupVaultNotReadable, onePasswordBackup } from "./backup";
import { gitTokenNeedsHttps, sshDeployKey, urlWithoutCredentials } from "./flux";
import { endpointAddress, gatewayInSubnet, nameserverAddresses, nodeAddresses, subnetHostBits, vipPlacement } from "./network";
import { controlPlaneQuorum, unicastMacs, uniqueNodeFields } from "./nodes";
import { sharedIsoStorage } from "./proxmox";
import { distinctVaults, onePasswordModeSecrets, readableCredentialsFile } from "./secrets";
import { supportedVersions } from "./versions";

export { knownHostsProblem } from "./flux";
export { credentialsFileProblem } from "./secrets";

export const crossFieldRules: readonly Rule[] = [
  // network
  subnetHostBits,
  gatewayInSubnet,
  vipPlacement,
  nodeAddresses,
  nameserverAddresses,
  endpointAddress,
  // proxmox
  sharedIsoStorage,
  // versions
  supportedVersions,
  // nodes
  unicastMacs,
  uniqueNodeFields,
  controlPlaneQuorum,
  // secrets
  onePasswordModeSecrets,
  distinctVaults,
  urlWithoutCredentials,
  gitTokenNeedsHttps,
  sshDeployKey,
  readableCredentialsFile,
  // backup
  backupRecipientsOffline,
  onePasswordBackup,
  backupVaultNotReadable,
];
