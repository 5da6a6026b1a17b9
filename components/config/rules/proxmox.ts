/** Proxmox storage settings agree with each other. */
import type { Rule } from "../parsed";

/**
 * `local` is the directory /var/lib/vz on each host (Proxmox's default storage.cfg), never shared: with
 * isoDatastoreShared the ISO would be downloaded to one host only, and VMs on the others could not boot.
 */
export const sharedIsoStorage: Rule = ({ proxmox, key }) => {
  const { isoDatastore, isoDatastoreShared } = proxmox.valid;
  if (isoDatastoreShared !== true || isoDatastore !== "local") return [];
  return [
    {
      key: key("proxmox", ["isoDatastoreShared"]),
      message:
        'is true but proxmox.isoDatastore is "local", a directory on each host; set proxmox.isoDatastore to the shared storage (NFS, CephFS) or isoDatastoreShared to false',
    },
  ];
};
