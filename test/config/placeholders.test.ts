/** The example's placeholder hosts are recognised: the doctor fails on them and `pulumi up` warns (issue #25). */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";

import { isPlaceholderHost, placeholderProblems } from "../../components/config/placeholders";
import { connectSecrets, generateSecrets, singleNodeSettings, stackConfig } from "../../offline/fixtures";
import { runProgram } from "../../offline/harness";
import { checkConfig } from "../../scripts/doctor/config";

describe("a placeholder host", () => {
  it.each([
    ["pve.example.lan", true],
    ["example.com", true],
    ["k8s.EXAMPLE.org", true],
    ["pve.lab.invalid", true],
    ["pve.home.arpa", false],
    ["examples.lan", false],
    ["192.168.10.10", false],
  ])("%s: %s", (host, expected) => {
    expect(isPlaceholderHost(host)).toBe(expected);
  });

  it("is reported for the Proxmox API, the cluster endpoint and the Git URL (owner `example` counts there)", () => {
    expect(
      placeholderProblems({
        proxmoxEndpoint: "https://pve.example.lan:8006/",
        clusterEndpoint: "k8s.example.lan",
        fluxUrl: "https://github.com/example/homelab-gitops.git",
      }).map((p) => p.key),
    ).toEqual(["homelab:proxmox.endpoint", "homelab:cluster.endpoint", "homelab:flux.url"]);
    expect(
      placeholderProblems({ proxmoxEndpoint: "https://pve.home.arpa:8006/", fluxUrl: "https://github.com/me/homelab-gitops.git" }),
    ).toEqual([]);
  });
});

describe("with the shipped placeholders", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("the doctor fails, naming each key", async () => {
    const { config, secretKeys } = stackConfig(singleNodeSettings(), connectSecrets(await generateSecrets()));
    const { results, valid } = checkConfig({ raw: config, secretKeys: new Set(secretKeys) }, "homelab");
    expect(valid).toBeUndefined();
    expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual(["config homelab:proxmox.endpoint", "config homelab:flux.url"]);
  });

  it("`pulumi up` warns before it creates anything", async () => {
    const warn = vi.spyOn(pulumi.log, "warn");
    await runProgram(stackConfig(singleNodeSettings(), connectSecrets(await generateSecrets())));
    const messages = warn.mock.calls.map((call) => call[0]);
    expect(messages).toContainEqual(expect.stringMatching(/^homelab:proxmox\.endpoint: pve\.example\.lan is the example's placeholder/));
    expect(messages).toContainEqual(expect.stringMatching(/^homelab:flux\.url: github\.com\/example is the example's placeholder/));
  });
});
