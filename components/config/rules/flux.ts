/** Flux's Git credentials match the URL scheme: a token for https://, a deploy key and host keys for ssh://. */
import type { ConfigProblem, Rule } from "../parsed";
import { base64Pattern } from "../schema";

/**
 * Credentials in flux.url would be copied, in plaintext, into the FluxInstance's `spec.sync.url`, the
 * Pulumi state and the non-secret `fluxSync` output. A user name alone (`ssh://git@host/…`) is not a
 * credential; an https:// user name is refused too, since GitHub-style tokens are passed as the user
 * (`https://<token>@github.com/…`).
 */
export const urlWithoutCredentials: Rule = ({ flux, key }) => {
  const { url } = flux.valid;
  if (url === undefined) return [];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const credentials = parsed.password !== "" || (parsed.protocol === "https:" && parsed.username !== "");
  if (!credentials) return [];
  return [
    {
      key: key("flux", ["url"]),
      message: `has credentials in it, which would sit in plaintext in the FluxInstance, the Pulumi state and the fluxSync output; remove them from the URL and set the token as a secret with \`pulumi config set --secret ${key("fluxGitToken")} …\` (or, for ssh://, the deploy key as ${key("fluxSshKey")})`,
    },
  ];
};

export const gitTokenNeedsHttps: Rule = ({ flux, present, key }) => {
  const { url } = flux.valid;
  if (url === undefined || !present("fluxGitToken") || url.startsWith("https://")) return [];
  return [
    {
      key: key("fluxGitToken"),
      message: `is an HTTPS token but flux.url is ${url}; use an https:// URL, or remove the token and give Flux an SSH deploy key`,
    },
  ];
};

/**
 * An ssh:// URL needs the deploy key and the server's host keys: source-controller refuses SSH without
 * `identity` and `known_hosts` (fluxcd/pkg git/options.go, AuthOptions.Validate); an https:// URL uses neither.
 */
export const sshDeployKey: Rule = ({ flux, present, key }) => {
  const { url, knownHosts } = flux.valid;
  if (url === undefined) return [];
  const keyName = key("fluxSshKey");
  const hostsName = key("flux", ["knownHosts"]);
  if (!url.startsWith("ssh://")) {
    return [
      ...(present("fluxSshKey")
        ? [
            {
              key: keyName,
              message: `is an SSH deploy key but flux.url is ${url}; use an ssh:// URL, or remove the key with \`pulumi config rm ${keyName}\``,
            },
          ]
        : []),
      ...(knownHosts !== undefined
        ? [{ key: hostsName, message: `is only used with an ssh:// URL, but flux.url is ${url}; remove it` }]
        : []),
    ];
  }
  const host = new URL(url).host;
  const problems: ConfigProblem[] = [];
  // A knownHosts with a shape problem is already reported; it is not missing.
  const hostsMissing = knownHosts === undefined && !flux.invalid.has("knownHosts");
  const missing = [...(present("fluxSshKey") ? [] : [keyName]), ...(hostsMissing ? [hostsName] : [])];
  for (const name of missing) {
    problems.push({
      key: name,
      message: `is required with an ssh:// flux.url: Flux needs both ${keyName} (a read-only deploy key: \`pulumi config set --secret ${keyName} < deploy-key\`) and ${hostsName} (\`pulumi config set --path ${hostsName} "$(${keyscan(host)})"\`)`,
    });
  }
  if (knownHosts !== undefined) {
    const problem = knownHostsProblem(knownHosts, host);
    if (problem) problems.push({ key: hostsName, message: problem });
  }
  return problems;
};

/** How known_hosts names a host: `host`, or `[host]:port` when the port is not 22 (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT). */
function knownHostsName(host: string): string {
  const [name = host, port] = host.split(":");
  return port === undefined || port === "22" ? name : `[${name}]:${port}`;
}

/** The command that prints a host's keys in known_hosts form. */
function keyscan(host: string): string {
  const [name = host, port] = host.split(":");
  return port === undefined || port === "22" ? `ssh-keyscan ${name}` : `ssh-keyscan -p ${port} ${name}`;
}

/** Why a known_hosts text cannot vouch for `host`, or undefined when it can. */
export function knownHostsProblem(text: string, host: string): string | undefined {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const entries = lines.map((line) => line.split(/\s+/)).map((fields) => (fields[0]?.startsWith("@") ? fields.slice(1) : fields));
  const malformed = entries.findIndex((fields) => fields.length < 3 || !base64Pattern.test(fields[2] ?? ""));
  if (lines.length === 0 || malformed >= 0) {
    return `${lines.length === 0 ? "has no host key line" : `line ${JSON.stringify(lines[malformed])} is not "<host> <key type> <base64 key>"`}; paste the output of \`${keyscan(host)}\``;
  }
  const name = knownHostsName(host);
  // Hashed names (`|1|salt|hash`, ssh-keygen -H) cannot be matched here; Flux matches them itself.
  // Patterns use `*` and `?`, and `!` negates (sshd(8), SSH_KNOWN_HOSTS FILE FORMAT).
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
  const listed = (hosts: string) => {
    const patterns = hosts.split(",");
    const negated = patterns.some((p) => p.startsWith("!") && glob(p.slice(1)).test(name));
    return !negated && patterns.some((p) => !p.startsWith("!") && glob(p).test(name));
  };
  const matches = entries.some(([hosts = ""]) => hosts.startsWith("|1|") || listed(hosts));
  return matches ? undefined : `has no key for ${name}, the host of flux.url; add the output of \`${keyscan(host)}\``;
}
