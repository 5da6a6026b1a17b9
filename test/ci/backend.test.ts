/** Backend selection and the secrets each backend and secrets provider need (scripts/ci/backend.ts). */
import { describe, expect, it } from "vitest";

import { checkSecretsProvider, isLanHost, pulumiCloudUrl, selectBackend, stackFileName } from "../../scripts/ci/backend";

const hosted = { RUNNER_ENVIRONMENT: "github-hosted" };
const s3Keys = { AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "key" };
const problems = (env: Record<string, string>) => selectBackend(env).problems.map((p) => p.problem);

describe("selectBackend", () => {
  it("no PULUMI_BACKEND_URL is Pulumi Cloud, which needs PULUMI_ACCESS_TOKEN", () => {
    expect(selectBackend({ ...hosted, PULUMI_ACCESS_TOKEN: "pul-x" })).toEqual({
      backend: { kind: "cloud", url: pulumiCloudUrl },
      problems: [],
    });
    expect(problems(hosted)).toEqual(["PULUMI_BACKEND_URL is not set, so the backend is Pulumi Cloud, but PULUMI_ACCESS_TOKEN is not set"]);
    expect(problems({ ...hosted, PULUMI_BACKEND_URL: "https://api.pulumi.com" })).toEqual([
      "the backend is Pulumi Cloud, but PULUMI_ACCESS_TOKEN is not set",
    ]);
  });

  it("an empty variable counts as unset (GitHub expands a secret that does not exist to an empty string)", () => {
    expect(problems({ ...hosted, PULUMI_BACKEND_URL: "", PULUMI_ACCESS_TOKEN: "" })).toHaveLength(1);
  });

  it("an S3 bucket needs a region and both AWS keys, and reports every missing one at once", () => {
    const url = "s3://state/homelab?endpoint=https://s3.example.net&region=auto&use_path_style=true";
    expect(selectBackend({ ...hosted, ...s3Keys, PULUMI_BACKEND_URL: url })).toEqual({
      backend: { kind: "s3", url, bucket: "state", endpoint: "https://s3.example.net" },
      problems: [],
    });
    expect(problems({ ...hosted, PULUMI_BACKEND_URL: "s3://state" })).toEqual([
      expect.stringMatching(/^PULUMI_BACKEND_URL has no region/),
      "AWS_ACCESS_KEY_ID is not set",
      "AWS_SECRET_ACCESS_KEY is not set",
    ]);
    expect(problems({ ...hosted, ...s3Keys, AWS_REGION: "eu-west-1", PULUMI_BACKEND_URL: "s3://state" })).toEqual([]);
  });

  it("refuses query parameters gocloud.dev v0.46.0 would reject, and accepts the v1 names the CLI still understands", () => {
    expect(problems({ ...hosted, ...s3Keys, PULUMI_BACKEND_URL: "s3://state?region=x&pathStyle=true" })).toEqual([
      expect.stringMatching(/query parameter\(s\) the Pulumi CLI refuses: pathStyle$/),
    ]);
    expect(
      problems({
        ...hosted,
        ...s3Keys,
        PULUMI_BACKEND_URL: "s3://state?region=x&s3ForcePathStyle=true&disableSSL=true&endpoint=s3.example.net:9000",
      }),
    ).toEqual([]);
  });

  it("a bucket on the LAN is refused on a GitHub-hosted runner and accepted on a self-hosted one", () => {
    const url = "s3://state?region=us-east-1&endpoint=http://minio.lan:9000";
    expect(problems({ ...hosted, ...s3Keys, PULUMI_BACKEND_URL: url })).toEqual([
      "the bucket's endpoint minio.lan is on a private network, which a GitHub-hosted runner cannot reach",
    ]);
    expect(problems({ RUNNER_ENVIRONMENT: "self-hosted", ...s3Keys, PULUMI_BACKEND_URL: url })).toEqual([]);
  });

  it("file:// state only on a self-hosted runner", () => {
    expect(problems({ ...hosted, PULUMI_BACKEND_URL: "file:///srv/pulumi" })).toEqual([
      expect.stringMatching(/^PULUMI_BACKEND_URL is file:\/\/\/srv\/pulumi: state in a directory/),
    ]);
    expect(selectBackend({ RUNNER_ENVIRONMENT: "self-hosted", PULUMI_BACKEND_URL: "file:///srv/pulumi" })).toEqual({
      backend: { kind: "file", url: "file:///srv/pulumi" },
      problems: [],
    });
  });

  it("an undocumented backend is refused, without echoing its query string", () => {
    const { backend, problems } = selectBackend({ ...hosted, PULUMI_BACKEND_URL: "gs://bucket?token=abc" });
    expect(backend).toBeUndefined();
    expect(problems.map((p) => p.problem)).toEqual(["PULUMI_BACKEND_URL gs://bucket?… is not one of the backends the CI supports"]);
  });
});

describe("isLanHost", () => {
  it.each([
    ["10.0.0.5", true],
    ["172.16.1.1", true],
    ["172.32.0.1", false],
    ["192.168.1.10", true],
    ["100.64.0.1", true],
    ["fd12::1", true],
    ["minio", true],
    ["nas.local", true],
    ["s3.home.arpa", true],
    ["s3.example.net", false],
    ["8.8.8.8", false],
    ["2001:db8::1", false],
  ])("%s → %s", (host, lan) => {
    expect(isLanHost(host)).toBe(lan);
  });
});

describe("checkSecretsProvider", () => {
  const cloud = { kind: "cloud", url: pulumiCloudUrl } as const;
  const file = { kind: "file", url: "file:///srv" } as const;

  it("names the stack file of a qualified stack by its last segment", () => {
    expect(stackFileName("acme/homelab")).toBe("Pulumi.homelab.yaml");
    expect(stackFileName("homelab")).toBe("Pulumi.homelab.yaml");
  });

  it("the passphrase provider (encryptionsalt) needs PULUMI_CONFIG_PASSPHRASE", () => {
    const text = "encryptionsalt: v1:abc\nconfig: {}\n";
    expect(checkSecretsProvider("homelab", text, file, {}).map((p) => p.problem)).toEqual([
      "Pulumi.homelab.yaml uses the passphrase secrets provider, but PULUMI_CONFIG_PASSPHRASE is not set",
    ]);
    expect(checkSecretsProvider("homelab", text, cloud, { PULUMI_CONFIG_PASSPHRASE: "p" })).toEqual([]);
  });

  it("a missing stack file, and a self-managed backend with no encryption settings, are problems", () => {
    expect(checkSecretsProvider("homelab", undefined, cloud, {}).map((p) => p.problem)).toEqual([
      "Pulumi.homelab.yaml is not in the repository",
    ]);
    expect(checkSecretsProvider("homelab", "config: {}\n", file, {}).map((p) => p.problem)).toEqual([
      "Pulumi.homelab.yaml has no encryption settings (no encryptionsalt or secretsprovider), which a self-managed backend needs",
    ]);
  });

  it("Pulumi Cloud's own secrets manager and a KMS need nothing the script can check", () => {
    expect(checkSecretsProvider("homelab", "config: {}\n", cloud, {})).toEqual([]);
    expect(checkSecretsProvider("homelab", "secretsprovider: awskms://alias/x\nencryptedkey: abc\n", file, {})).toEqual([]);
  });
});
