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
