/**
 * The Talos and Kubernetes upgrades the program cannot do itself (the Talos
 * provider has no upgrade resource): the talosctl commands, in order, with the
 * versions of the new config filled in.
 *
 * siderolabs/talos v1.13.9:
 * - `cmd/talosctl/cmd/talos/upgrade.go`: `--image` defaults to the plain
 *   `ghcr.io/siderolabs/installer`, so a Secure Boot node must be given its
 *   factory Secure Boot installer; the upgrade checks etcd health before it
 *   starts (`--force` skips that: never use it) and drains the node (`--drain`, default true).
 * - `cmd/talosctl/cmd/talos/upgrade-k8s.go`: `--to` is the target version; one run
 *   against a control plane upgrades the control-plane components node by node,
 *   then every kubelet (`--upgrade-kubelet`, default true).
 */
import type { ProgramRun } from "../../offline/harness";
import type { NodeInfo } from "./impact";

function output(run: ProgramRun, key: string): string | undefined {
  const value = run.outputs[key];
  return value?.known && typeof value.value === "string" ? value.value : undefined;
}

export function upgradeSteps(before: ProgramRun, after: ProgramRun, nodes: NodeInfo[]): string[] {
  const talos = { from: output(before, "talosVersion"), to: output(after, "talosVersion") };
  const kubernetes = { from: output(before, "kubernetesVersion"), to: output(after, "kubernetesVersion") };
  const image = output(after, "installerImage");
  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const ordered = [...controlPlanes, ...nodes.filter((n) => n.role === "worker")];
  const cp = controlPlanes[0]?.address ?? "<control plane address>";
  const lines: string[] = [];
  let step = 0;
  const next = (text: string) => lines.push(`  ${++step}. ${text}`);

  if (talos.to !== undefined && talos.from !== talos.to) {
    next(`Upgrade Talos ${talos.from ?? "?"} → ${talos.to}, one node at a time, control planes first:`);
    for (const node of ordered) {
      lines.push(
        `       talosctl --talosconfig ./talosconfig -n ${node.address} upgrade --image ${image ?? "<installer image>"}   # ${node.name}`,
      );
      lines.push(`       talosctl --talosconfig ./talosconfig -n ${cp} health   # wait until healthy before the next node`);
    }
  }
  if (kubernetes.to !== undefined && kubernetes.from !== kubernetes.to) {
    next(`Upgrade Kubernetes ${kubernetes.from ?? "?"} → ${kubernetes.to} (after Talos; it rolls the nodes one at a time):`);
    lines.push(`       talosctl --talosconfig ./talosconfig -n ${cp} upgrade-k8s --to ${kubernetes.to}`);
  }
  if (lines.length === 0) return [];
  next("Then `pulumi up`: the machine configs already carry the new versions, so the nodes see no change.");
  return ["Upgrade steps the program cannot do (run them before `pulumi up`):", ...lines];
}
