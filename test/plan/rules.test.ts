/**
 * The rules the impact report judges changes by (scripts/plan/rules.ts), each
 * against the upstream behaviour it cites, and the verdicts compareRuns draws
 * from them on hand-made recordings.
 */
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";

import type { ProgramRun, Registration } from "../../offline/harness";
import { compareRuns, type NodeInfo, types } from "../../scripts/plan/impact";
import { changedPaths, diffMachineConfig, vmReplacementFields, vmRestartFields } from "../../scripts/plan/rules";
import { registration } from "../offline/registration";

describe("changedPaths", () => {
  it("names every differing leaf, arrays by index", () => {
    expect(changedPaths({ a: 1, b: { c: [1, 2] }, d: "x" }, { a: 1, b: { c: [1, 3, 4] }, e: true })).toEqual([
      "b.c[1]",
      "b.c[2]",
      "d",
      "e",
    ]);
  });
});

describe("bpg VM rules (proxmoxtf/resource/vm/vm.go v0.111.1)", () => {
  const vm = { cpu: { cores: 4, hotplugged: 0 }, memory: { dedicated: 8192, floating: 0 }, disks: [{ size: 64 }] };

  it("replaces on vm id, on node name unless migrating, on TPM version and on a disk's file id", () => {
    expect(vmReplacementFields(["vmId", "nodeName", "tpmState.version", "disks[0].fileId", "cpu.cores"], {})).toEqual([
      "vmId",
      "nodeName",
      "tpmState.version",
      "disks[0].fileId",
    ]);
    expect(vmReplacementFields(["nodeName"], { migrate: true })).toEqual([]);
  });

  it("restarts for cores always, for vcpus only without cpu hotplug", () => {
    expect(vmRestartFields(["cpu.cores"], vm, { ...vm, hotplug: "cpu,memory" })).toEqual(["cpu.cores"]);
    expect(vmRestartFields(["cpu.hotplugged"], vm, { ...vm, hotplug: "cpu" })).toEqual([]);
    expect(vmRestartFields(["cpu.hotplugged"], vm, vm)).toEqual(["cpu.hotplugged"]);
  });

  it("restarts for memory unless it only grows and memory hotplug is on (it is not in PVE's default)", () => {
    const more = { ...vm, memory: { dedicated: 16384, floating: 0 } };
    const less = { ...vm, memory: { dedicated: 4096, floating: 0 } };
    expect(vmRestartFields(["memory.dedicated"], vm, more)).toEqual(["memory.dedicated"]);
    expect(vmRestartFields(["memory.dedicated"], vm, { ...more, hotplug: "memory" })).toEqual([]);
    expect(vmRestartFields(["memory.dedicated"], vm, { ...less, hotplug: "memory" })).toEqual(["memory.dedicated"]);
  });

  it("resizes a disk live under PVE's default hotplug; CD-ROM and network change live; aio needs a restart", () => {
    expect(vmRestartFields(["disks[0].size", "cdrom.fileId", "networkDevices[0].bridge"], vm, vm)).toEqual([]);
    expect(vmRestartFields(["disks[0].size"], vm, { ...vm, hotplug: "network" })).toEqual(["disks[0].size"]);
    expect(vmRestartFields(["disks[0].aio", "bios"], vm, vm)).toEqual(["disks[0].aio", "bios"]);
  });
});

describe("Talos CanApplyImmediate (v1alpha1_runtime.go v1.13.9)", () => {
  const config = (machine: Record<string, unknown>, extra = "") => `${stringify({ version: "v1alpha1", machine })}${extra}`;

  it("applies install, kubelet, network and the listed features live; anything else in v1alpha1 reboots", () => {
    const before = config({ install: { image: "a" }, kubelet: { image: "k1" }, features: { hostDNS: { enabled: true }, rbac: true } });
    const after = config({
      install: { image: "b" },
      kubelet: { image: "k2" },
      features: { hostDNS: { enabled: false }, rbac: false },
      files: [{ path: "/x" }],
    });
    expect(diffMachineConfig(before, after)).toEqual({
      reboot: ["machine.features.rbac", "machine.files"],
      immediate: ["machine.features.hostDNS.enabled", "machine.install.image", "machine.kubelet.image"],
    });
  });

  it("never compares the other documents, so their changes apply without a reboot", () => {
    const volume = (size: string) =>
      `---\n${stringify({ apiVersion: "v1alpha1", kind: "VolumeConfig", name: "EPHEMERAL", provisioning: { maxSize: size } })}`;
    expect(diffMachineConfig(config({}, volume("10GiB")), config({}, volume("20GiB")))).toEqual({
      reboot: [],
      immediate: ["VolumeConfig/EPHEMERAL:provisioning.maxSize"],
    });
  });
});

/** A recording of just these registrations. */
function fakeRun(registrations: Registration[]): ProgramRun {
  return {
    registrations,
    invokes: [],
    reads: [],
    outputs: {},
    ofType: (type) => registrations.filter((r) => r.type === type),
    one: () => {
      throw new Error("unused");
    },
    byUrn: (urn) => registrations.find((r) => r.urn === urn) as Registration,
  };
}

describe("compareRuns verdicts", () => {
  const nodes: NodeInfo[] = ["cp-1", "cp-2"].map((name, i) => ({ name, role: "controlplane", address: `10.0.0.${i + 1}`, vmId: 800 + i }));
  const node = (name: string) => nodes.find((n) => n.name === name);
  const vm = (name: string, inputs: Record<string, unknown>) =>
    registration({
      urn: `urn:pulumi:s::p::${types.vm}::pve-${name}`,
      type: types.vm,
      protect: true,
      inputs: { vmId: node(name)?.vmId, ...inputs },
    });
  const apply = (name: string, config: string, applyMode?: string) =>
    registration({
      urn: `urn:pulumi:s::p::${types.apply}::talos-${name}`,
      type: types.apply,
      inputs: { machineConfigurationInput: config, node: node(name)?.address, ...(applyMode ? { applyMode } : {}) },
      secretPaths: ["machineConfigurationInput"],
      dependencies: [`urn:pulumi:s::p::${types.vm}::pve-${name}`],
    });
  const both = (make: (name: string) => Registration) => nodes.map((n) => make(n.name));

  it("a VM restart on two control planes at once is not safe; with rebootAfterUpdate false nothing restarts", () => {
    const on = compareRuns(fakeRun(both((n) => vm(n, { cpu: { cores: 2 } }))), fakeRun(both((n) => vm(n, { cpu: { cores: 4 } }))), {
      before: nodes,
      after: nodes,
    });
    expect(on.concurrentControlPlanes).toEqual([["cp-1", "cp-2"]]);
    expect(on.exitCode).toBe(4);
    const off = compareRuns(
      fakeRun(both((n) => vm(n, { cpu: { cores: 2 }, rebootAfterUpdate: false }))),
      fakeRun(both((n) => vm(n, { cpu: { cores: 4 }, rebootAfterUpdate: false }))),
      { before: nodes, after: nodes },
    );
    expect(off.summary).toBe("0 created, 2 changed, 0 deleted, 0 replaced, 0 node reboots, safe");
  });

  it("a protected VM replaced is refused, and its Talos apply goes with it", () => {
    const before = fakeRun([vm("cp-1", { vmId: 800 }), apply("cp-1", "version: v1alpha1\n")]);
    const after = fakeRun([vm("cp-1", { vmId: 900 }), apply("cp-1", "version: v1alpha1\n")]);
    const impact = compareRuns(before, after, { before: nodes.slice(0, 1), after: nodes.slice(0, 1) });
    expect(impact.changes.find((c) => c.type === types.vm)?.refused).toMatch(/^protected: `pulumi up` refuses to replace it/);
    expect(impact.changes.find((c) => c.type === types.apply)?.kind).toBe("replace");
    expect(impact.exitCode).toBe(4);
  });

  it("reads the apply mode: auto reboots for a reboot field, no_reboot makes the apply fail instead", () => {
    const files = (path: string) => stringify({ version: "v1alpha1", machine: { files: [{ path }] } });
    const judge = (mode?: string) =>
      compareRuns(fakeRun([apply("cp-1", files("/a"), mode)]), fakeRun([apply("cp-1", files("/b"), mode)]), { before: nodes, after: nodes })
        .changes[0];
    expect(judge()?.disruption?.what).toBe("Talos reboots the node");
    expect(judge("no_reboot")?.disruption).toBeUndefined();
    expect(judge("no_reboot")?.effects).toContain("the apply fails: machine.files[0].path need a reboot and applyMode is no_reboot");
    expect(judge("staged")?.effects).toContain("staged until the next reboot (applyMode staged): machine.files[0].path");
  });
});
