/**
 * Placeholders: the hosts Pulumi.homelab.yaml ships with (pve.example.lan,
 * github.com/example/…) stand for the user's own. A host is a placeholder when one of its
 * DNS labels is `example` (RFC 2606 reserves example, example.com/.net/.org for this) or its
 * top-level domain is `invalid` (RFC 2606); a Git URL also when its first path segment (the
 * owner on a forge) is `example`. `npm run doctor` fails on them; `pulumi up` warns, naming
 * each key, before it creates anything.
 */
import { type ConfigProblem, namespace } from "./parsed";

/** Whether a host name is a documentation placeholder. */
export function isPlaceholderHost(host: string): boolean {
  const labels = host.toLowerCase().replace(/\.$/, "").split(".");
  return labels.includes("example") || labels.at(-1) === "invalid";
}

function urlPlaceholder(text: string, ownerCounts: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (isPlaceholderHost(url.hostname)) return url.hostname;
  const owner = url.pathname.split("/")[1];
  return ownerCounts && owner?.toLowerCase() === "example" ? `${url.hostname}/${owner}` : undefined;
}

export interface PlaceholderInputs {
  proxmoxEndpoint?: string | undefined;
  clusterEndpoint?: string | undefined;
  fluxUrl?: string | undefined;
}

/** One problem per key that still holds a placeholder, each naming what to put there. */
export function placeholderProblems(inputs: PlaceholderInputs): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const proxmox = inputs.proxmoxEndpoint === undefined ? undefined : urlPlaceholder(inputs.proxmoxEndpoint, false);
  if (proxmox !== undefined) {
    problems.push({
      key: `${namespace}:proxmox.endpoint`,
      message: `${proxmox} is the example's placeholder; put your Proxmox API address, like https://<your pve host>:8006/`,
    });
  }
  if (inputs.clusterEndpoint !== undefined && isPlaceholderHost(inputs.clusterEndpoint)) {
    problems.push({
      key: `${namespace}:cluster.endpoint`,
      message: `${inputs.clusterEndpoint} is the example's placeholder; put a name of yours that resolves to the control planes, or remove it`,
    });
  }
  const flux = inputs.fluxUrl === undefined ? undefined : urlPlaceholder(inputs.fluxUrl, true);
  if (flux !== undefined) {
    problems.push({
      key: `${namespace}:flux.url`,
      message: `${flux} is the example's placeholder; put the URL of your GitOps repository (made with \`npm run gitops-init\`)`,
    });
  }
  return problems;
}
