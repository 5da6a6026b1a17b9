/**
 * A workload of the GitOps template that listens on a node's own address
 * (hostNetwork, or a hostPort) is reachable only if the traffic model declares
 * who may reach it: both firewalls drop everything else. So every such
 * workload must be listed in `hostPortWorkloads` with its flow, or with the
 * reason nobody needs to reach it, and a new one fails here until it is.
 *
 * Plain manifests are read from what `kubectl kustomize` builds; a chart's
 * pods are not rendered here (no Helm), so each chart the template installs is
 * either listed with its host ports or in `chartsWithoutHostPorts` below, with
 * the upstream file that says so.
 */
import { posix } from "node:path";

import { describe, expect, it } from "vitest";

import { flows, hostPortWorkloads } from "../../components/lib/firewall";
import { kustomizeBuild, objectId } from "../gitops/kustomize";
import { gitopsRoot, isKustomizeConfig, isObject, listFiles } from "../gitops/manifests";

/** Charts of the template whose pods use neither hostNetwork nor hostPort, read at the pinned chart version. */
const chartsWithoutHostPorts: Record<string, string> = {
  "cert-manager":
    "cert-manager/cert-manager deploy/charts/cert-manager values.yaml: hostNetwork false for the controller, webhook and cainjector",
  "cloudnative-pg": "cloudnative-pg/charts charts/cloudnative-pg values.yaml: hostNetwork false",
  // Issue #25 adds it; its node DaemonSet mounts host paths but stays on the pod network, and its controller only calls the Proxmox API.
  "proxmox-csi-plugin":
    "sergelogvinov/proxmox-csi-plugin charts/proxmox-csi-plugin templates/node-deployment.yaml and controller-deployment.yaml: no hostNetwork, no hostPort",
};

/** The chart a HelmRelease installs: `spec.chart.spec.chart`, or the name of the source a `spec.chartRef` points at (OCIRepository). */
function chartOf(release: Record<string, unknown>): string {
  const spec = isObject(release["spec"]) ? release["spec"] : {};
  const template = isObject(spec["chart"]) && isObject(spec["chart"]["spec"]) ? spec["chart"]["spec"] : {};
  if (typeof template["chart"] === "string") return template["chart"];
  const ref = isObject(spec["chartRef"]) ? spec["chartRef"] : {};
  return typeof ref["name"] === "string" ? ref["name"] : `${objectId(release)} (no chart found)`;
}

const builtObjects = listFiles(gitopsRoot)
  .filter(isKustomizeConfig)
  .map((file) => posix.dirname(file))
  .flatMap((dir) => {
    const build = kustomizeBuild(dir);
    return build.ok ? build.objects : [];
  });

interface HostPort {
  workload: string;
  protocol: string;
  /** undefined: hostNetwork with no declared container port. */
  port: number | undefined;
}

/** hostNetwork pods expose every port their containers listen on; hostPort maps a container port onto the node. */
function hostPortsOf(object: Record<string, unknown>): HostPort[] {
  const spec = object["spec"];
  if (!isObject(spec)) return [];
  const podSpec = (() => {
    if (isObject(spec["template"]) && isObject(spec["template"]["spec"])) return spec["template"]["spec"];
    const job = spec["jobTemplate"];
    if (isObject(job) && isObject(job["spec"]) && isObject(job["spec"]["template"]) && isObject(job["spec"]["template"]["spec"]))
      return job["spec"]["template"]["spec"];
    return object["kind"] === "Pod" ? spec : undefined;
  })();
  if (podSpec === undefined) return [];
  const workload = objectId(object);
  const hostNetwork = podSpec["hostNetwork"] === true;
  const containers = [podSpec["containers"], podSpec["initContainers"]].flatMap((list): unknown[] => (Array.isArray(list) ? list : []));
  const ports = containers.flatMap((container: unknown) =>
    isObject(container) && Array.isArray(container["ports"]) ? (container["ports"] as unknown[]).filter(isObject) : [],
  );
  const found: HostPort[] = ports.flatMap((port) => {
    const protocol = typeof port["protocol"] === "string" ? port["protocol"].toLowerCase() : "tcp";
    if (typeof port["hostPort"] === "number") return [{ workload, protocol, port: port["hostPort"] }];
    if (hostNetwork && typeof port["containerPort"] === "number") return [{ workload, protocol, port: port["containerPort"] }];
    return [];
  });
  return hostNetwork && found.length === 0 ? [{ workload, protocol: "tcp", port: undefined }] : found;
}

const declared = (workload: string, protocol: string, port: number | undefined) =>
  hostPortWorkloads.find((w) => w.workload === workload && w.protocol === protocol && w.port === port);

describe("host ports of the GitOps template's workloads", () => {
  it("builds the template (a failed build would hide its workloads)", () => {
    expect(builtObjects.length).toBeGreaterThan(20);
  });

  it("every workload that listens on a node address is declared with its flow", () => {
    const undeclared = builtObjects
      .flatMap(hostPortsOf)
      .filter((p) => declared(p.workload, p.protocol, p.port) === undefined)
      .map((p) => `${p.workload} ${p.protocol}/${p.port ?? "(hostNetwork)"}`);
    expect(undeclared).toEqual([]);
  });

  it("every chart the template installs is either declared with its host ports or known to use none", () => {
    const charts = builtObjects.filter((o) => o["kind"] === "HelmRelease").map(chartOf);
    expect(charts.length).toBeGreaterThan(0);
    const unknown = charts.filter(
      (chart) => chartsWithoutHostPorts[chart] === undefined && !hostPortWorkloads.some((w) => w.workload === `chart:${chart}`),
    );
    expect(unknown).toEqual([]);
  });

  it("each declared host port names a flow of the traffic model on the same port and protocol, or says why none", () => {
    const wrong = hostPortWorkloads
      .filter((w) => w.flow !== null)
      .filter(
        (w) =>
          !flows.some((f) => f.name === w.flow && f.protocol === w.protocol && f.ports.some(([lo, hi]) => w.port >= lo && w.port <= hi)),
      )
      .map((w) => `${w.workload} ${w.protocol}/${w.port} → ${String(w.flow)}`);
    expect(wrong).toEqual([]);
    for (const w of hostPortWorkloads) expect(w.source, w.workload).not.toBe("");
  });

  it("a hostNetwork workload added to the template fails until it is declared", () => {
    const added = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "probe", namespace: "monitoring" },
      spec: { template: { spec: { hostNetwork: true, containers: [{ name: "probe", ports: [{ containerPort: 9999 }] }] } } },
    };
    const ports = hostPortsOf(added);
    expect(ports).toEqual([{ workload: "DaemonSet/monitoring/probe", protocol: "tcp", port: 9999 }]);
    expect(ports.filter((p) => declared(p.workload, p.protocol, p.port) === undefined)).toHaveLength(1);
  });
});
