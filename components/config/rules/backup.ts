/**
 * The Talos secrets backup must not be readable with anything that lives in
 * the cluster: the `sops-age` identity is a Secret in flux-system, so whoever
 * can read it must not gain Talos admin from a file in Git.
 */
import { x25519RecipientOf } from "../../lib/age";
import type { Rule } from "../parsed";

export const backupRecipientsOffline: Rule = ({ backup, secrets, key }) => {
  const recipients = backup?.valid.recipients;
  const identity = secrets.sopsAgeKey;
  if (recipients === undefined || identity === undefined) return [];
  let clusterRecipient: string;
  try {
    clusterRecipient = x25519RecipientOf(identity);
  } catch {
    // An identity of another type (post-quantum) cannot match an X25519 recipient.
    return [];
  }
  return recipients.flatMap((recipient, index) =>
    recipient.toLowerCase() === clusterRecipient
      ? [
          {
            key: key("backup", ["recipients", index]),
            message:
              "is the recipient of homelab:sopsAgeKey, which lives in the cluster (Secret flux-system/sops-age); use an offline recovery key (`age-keygen -o recovery.key`) instead",
          },
        ]
      : [],
  );
};

/**
 * The 1Password backup pushes through Connect with its own write token; SDK mode has no such store
 * here, so the key is refused there rather than ignored.
 */
export const onePasswordBackup: Rule = ({ backup, onePassword, present, key }) => {
  const vault = backup?.valid.onePasswordVault;
  const mode = onePassword?.valid.mode;
  if (mode === undefined) return [];
  if (vault !== undefined && mode === "sdk") {
    return [
      {
        key: key("backup", ["onePasswordVault"]),
        message: `needs ${key("onePassword", ["mode"])} "connect" (the backup PushSecret uses a Connect store); remove it or switch to Connect mode`,
      },
    ];
  }
  if (vault !== undefined && !present("onePasswordBackupToken")) {
    return [
      {
        key: key("onePasswordBackupToken"),
        message: `is required with ${key("backup", ["onePasswordVault"])}; create a Connect token with write access to that vault only and set it with \`pulumi config set --secret ${key("onePasswordBackupToken")} …\``,
      },
    ];
  }
  if (vault === undefined && present("onePasswordBackupToken")) {
    return [
      {
        key: key("onePasswordBackupToken"),
        message: `is used only with ${key("backup", ["onePasswordVault"])}; set that key or remove this one`,
      },
    ];
  }
  return [];
};

/**
 * The backup vault receives the sops-age identity. The read store (`onepassword` ClusterSecretStore) is open
 * to every allowed namespace, so a backup vault it can read would hand that identity to each of them.
 */
export const backupVaultNotReadable: Rule = ({ backup, onePassword, key }) => {
  const vault = backup?.valid.onePasswordVault;
  const op = onePassword?.valid;
  if (vault === undefined || op?.mode !== "connect" || op.vaults === undefined || !op.vaults.includes(vault)) return [];
  return [
    {
      key: key("backup", ["onePasswordVault"]),
      message: `is ${JSON.stringify(vault)}, one of the vaults ${key("onePassword", ["vaults"])} the \`onepassword\` ClusterSecretStore reads, so every namespace allowed to use that store could read the sops-age identity pushed there; use a vault of its own that the read token cannot see`,
    },
  ];
};
