/**
 * Which state backend a CI job logs in to, and whether the job was given what that backend and
 * the stack's secrets provider need (docs/ci.md). Pure: it reads the environment and the stack
 * file's text handed to it, and reports every problem at once, each with its fix.
 */
import { isIP } from "node:net";

import { parse as parseYaml } from "yaml";

export type Backend =
  /** Pulumi Cloud: logs in with PULUMI_ACCESS_TOKEN. */
  | { kind: "cloud"; url: string }
  /** An S3-compatible bucket (AWS, R2, MinIO, Garage): logs in with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. */
  | { kind: "s3"; url: string; bucket: string; endpoint: string | undefined }
  /** A directory on the runner's disk: only where it outlives the job (a self-hosted runner's mounted volume). */
  | { kind: "file"; url: string };

export interface Problem {
  problem: string;
  fix: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** `pulumi login` with no URL and no PULUMI_BACKEND_URL logs in here (pulumi/pulumi pkg/backend/httpstate/client/console.go PulumiCloudURL, v3.248.0). */
export const pulumiCloudUrl = "https://api.pulumi.com";

const doc = "docs/ci.md";

/**
 * The query parameters gocloud.dev v0.46.0 accepts on an `s3://` URL (blob/s3blob/s3blob.go URLOpener and
 * aws/aws.go V2ConfigFromURLParams, which rejects any other as "unknown query parameter"), plus `disableSSL`,
 * which the Pulumi CLI translates to `disable_https` before opening the bucket (pulumi/pulumi
 * pkg/backend/diy/backend.go translateLegacyS3Params, v3.248.0; its pkg/go.mod requires gocloud.dev v0.46.0).
 */
const s3QueryParameters = new Set([
  "region",
  "endpoint",
  "profile",
  "role",
  "anonymous",
  "hostname_immutable",
  "dualstack",
  "fips",
  "rate_limiter_capacity",
  "request_checksum_calculation",
  "response_checksum_validation",
  "awssdk",
  "ssetype",
  "kmskeyid",
  "accelerate",
  "use_path_style",
  "s3ForcePathStyle",
  "disable_https",
  "disableSSL",
]);

/** A host a GitHub-hosted runner cannot reach: a private, loopback or link-local address, or a LAN-only name. */
export function isLanHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  const family = isIP(name);
  if (family === 4) {
    const [a = 0, b = 0] = name.split(".").map(Number);
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (family === 6) return name === "::1" || /^f[cd]/.test(name) || /^fe[89ab]/.test(name);
  // RFC 6762 .local, RFC 8375 .home.arpa, and the names home routers hand out; a single label resolves only on the LAN.
  return !name.includes(".") || /\.(lan|local|home\.arpa|internal|localdomain)$/.test(name);
}

function parseS3(url: string, env: Env, problems: Problem[]): Backend | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    problems.push({
      problem: `PULUMI_BACKEND_URL ${url} is not a URL`,
      fix: `write it as s3://<bucket>/<prefix>?region=<region>&endpoint=https://<host> (${doc})`,
    });
    return undefined;
  }
  const bucket = parsed.hostname;
  if (bucket === "")
    problems.push({ problem: "PULUMI_BACKEND_URL names no bucket", fix: `write it as s3://<bucket>/<prefix>?region=… (${doc})` });
  const unknown = [...parsed.searchParams.keys()].filter((key) => !s3QueryParameters.has(key));
  if (unknown.length > 0) {
    problems.push({
      problem: `PULUMI_BACKEND_URL has query parameter(s) the Pulumi CLI refuses: ${unknown.join(", ")}`,
      fix: `use only ${[...s3QueryParameters].join(", ")} (gocloud.dev v0.46.0 s3blob)`,
    });
  }
  if (!parsed.searchParams.has("region") && !env["AWS_REGION"] && !env["AWS_DEFAULT_REGION"]) {
    problems.push({
      problem:
        "PULUMI_BACKEND_URL has no region, and neither AWS_REGION nor AWS_DEFAULT_REGION is set: the AWS SDK v2 cannot sign requests without one",
      fix: "add &region=<region> to the URL (MinIO and Garage accept us-east-1 unless configured otherwise, R2 wants auto)",
    });
  }
  for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
    if (!env[name])
      problems.push({
        problem: `${name} is not set`,
        fix: `create the secret ${name} in the job's GitHub environment (${doc}, "S3-compatible bucket")`,
      });
  }
  const endpoint = parsed.searchParams.get("endpoint") ?? undefined;
  if (endpoint !== undefined && env["RUNNER_ENVIRONMENT"] === "github-hosted") {
    const host = hostOf(endpoint);
    if (host !== undefined && isLanHost(host)) {
      problems.push({
        problem: `the bucket's endpoint ${host} is on a private network, which a GitHub-hosted runner cannot reach`,
        fix: `run the job on a self-hosted runner on that network (${doc}, "State on the LAN"), or expose the bucket over HTTPS`,
      });
    }
  }
  return { kind: "s3", url, bucket, endpoint };
}

/** The host of an endpoint written with or without a scheme (the CLI adds https:// to a bare host:port). */
function hostOf(endpoint: string): string | undefined {
  try {
    return new URL(endpoint.includes("://") ? endpoint : `https://${endpoint}`).hostname;
  } catch {
    return undefined;
  }
}

/** The backend PULUMI_BACKEND_URL names (Pulumi Cloud when unset), and what the job lacks to log in to it. */
export function selectBackend(env: Env): { backend: Backend | undefined; problems: Problem[] } {
  const problems: Problem[] = [];
  const url = env["PULUMI_BACKEND_URL"]?.trim() ?? "";
  if (url === "" || /^https:\/\/(api|app)\.pulumi\.com\/?$/.test(url)) {
    if (!env["PULUMI_ACCESS_TOKEN"]) {
      problems.push({
        problem:
          url === ""
            ? "PULUMI_BACKEND_URL is not set, so the backend is Pulumi Cloud, but PULUMI_ACCESS_TOKEN is not set"
            : "the backend is Pulumi Cloud, but PULUMI_ACCESS_TOKEN is not set",
        fix: `create the secret PULUMI_ACCESS_TOKEN in the job's GitHub environment, or set the variable PULUMI_BACKEND_URL for another backend (${doc})`,
      });
    }
    return { backend: { kind: "cloud", url: pulumiCloudUrl }, problems };
  }
  if (url.startsWith("s3://")) {
    const backend = parseS3(url, env, problems);
    return { backend, problems };
  }
  if (url.startsWith("file://")) {
    if (env["RUNNER_ENVIRONMENT"] !== "self-hosted") {
      problems.push({
        problem: `PULUMI_BACKEND_URL is ${url}: state in a directory of a GitHub-hosted runner does not exist there and vanishes with the runner`,
        fix: `use Pulumi Cloud or an S3-compatible bucket, or run the job on a self-hosted runner that mounts the state directory (${doc})`,
      });
    }
    return { backend: { kind: "file", url }, problems };
  }
  problems.push({
    problem: `PULUMI_BACKEND_URL ${url.replace(/\?.*/, "?…")} is not one of the backends the CI supports`,
    fix: `use Pulumi Cloud (leave it unset), s3://… or, on a self-hosted runner, file://… (${doc})`,
  });
  return { backend: undefined, problems };
}

/** The stack file's name for a stack written bare (`homelab`) or qualified (`org/homelab`, `org/project/homelab`). */
export function stackFileName(stack: string): string {
  return `Pulumi.${stack.split("/").pop() ?? stack}.yaml`;
}

/**
 * What the stack's secrets provider needs from the job, read from the encryption settings `pulumi stack init`
 * writes into the stack file: `encryptionsalt` for the passphrase provider, `secretsprovider` for a KMS
 * (pulumi/pulumi sdk/go/common/workspace/project.go ProjectStack, v3.248.0).
 */
export function checkSecretsProvider(stack: string, stackFileText: string | undefined, backend: Backend | undefined, env: Env): Problem[] {
  const file = stackFileName(stack);
  if (stackFileText === undefined) {
    return [
      { problem: `${file} is not in the repository`, fix: `commit your ${file} (its secrets are ciphertext; README.md, "Quick start")` },
    ];
  }
  let settings: { encryptionsalt?: unknown; secretsprovider?: unknown } | null;
  try {
    settings = parseYaml(stackFileText) as typeof settings;
  } catch (error) {
    return [{ problem: `${file} is not valid YAML: ${(error as Error).message.split("\n")[0] ?? ""}`, fix: `fix ${file}` }];
  }
  const salt = typeof settings?.encryptionsalt === "string";
  const provider = typeof settings?.secretsprovider === "string" ? settings.secretsprovider : undefined;
  const passphrase = salt && (provider === undefined || provider.startsWith("passphrase"));
  if (passphrase) {
    return env["PULUMI_CONFIG_PASSPHRASE"] || env["PULUMI_CONFIG_PASSPHRASE_FILE"]
      ? []
      : [
          {
            problem: `${file} uses the passphrase secrets provider, but PULUMI_CONFIG_PASSPHRASE is not set`,
            fix: `create the secret PULUMI_CONFIG_PASSPHRASE in the job's GitHub environment (${doc})`,
          },
        ];
  }
  if (provider === undefined && backend !== undefined && backend.kind !== "cloud") {
    return [
      {
        problem: `${file} has no encryption settings (no encryptionsalt or secretsprovider), which a self-managed backend needs`,
        fix: `copy the encryptionsalt line \`pulumi stack init ${stack}\` wrote into ${file} and commit it`,
      },
    ];
  }
  // Pulumi Cloud's own secrets manager, or a KMS whose credentials the CLI checks when it decrypts.
  return [];
}
