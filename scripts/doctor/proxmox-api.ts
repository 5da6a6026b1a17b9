/**
 * A tiny client for the Proxmox VE API: GET with the API token, a per-request
 * time limit, and an explicit TLS choice that applies to these requests only
 * (its own https.Agent; NODE_TLS_REJECT_UNAUTHORIZED is never touched).
 * Every failure becomes a ProxmoxError that says what happened and how to fix it.
 */
import { Agent, request } from "node:https";

export type ProxmoxErrorKind = "unreachable" | "tls" | "timeout" | "unauthorized" | "forbidden" | "http" | "protocol";

export class ProxmoxError extends Error {
  constructor(
    readonly kind: ProxmoxErrorKind,
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = "ProxmoxError";
  }

  /** Whether every other call would fail the same way (no answer, no trust, no valid token). */
  get fatal(): boolean {
    return ["unreachable", "tls", "timeout", "unauthorized", "protocol"].includes(this.kind);
  }
}

export interface ProxmoxClientOptions {
  /** The config's proxmox.endpoint, like https://pve.example.lan:8006/. */
  endpoint: string;
  /** USER@REALM!TOKENID=UUID. */
  token: string;
  /** false (the default): verify the certificate. true: accept any certificate, self-signed included. */
  insecureSkipTlsVerify: boolean;
  /** Per-request limit, connection and body included. */
  timeoutMs: number;
  /** CA certificates to trust instead of Node's defaults (tests; a private CA). */
  ca?: string | Buffer;
}

export interface ProxmoxClient {
  /** `GET /api2/json<path>`, resolving to the response's `data`. */
  get(path: string): Promise<unknown>;
  /** Where the requests go, like `127.0.0.1:8006`. */
  readonly host: string;
  readonly origin: string;
  close(): void;
}

const selfSignedCodes = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
]);
const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNRESET",
  "EHOSTDOWN",
  "EPIPE",
]);

const insecureRisk =
  "or, accepting the risk, set homelab:proxmox.insecureSkipTlsVerify true (then anyone able to intercept the connection can pose as Proxmox and capture the API token)";

class Timeout extends Error {}

function transportError(error: NodeJS.ErrnoException, host: string, hostname: string, path: string, timeoutMs: number): ProxmoxError {
  if (error instanceof Timeout) {
    return new ProxmoxError(
      "timeout",
      `no answer from ${host} within ${timeoutMs} ms (GET ${path})`,
      `check that Proxmox runs and that nothing filters port ${host.split(":").pop()}; raise --timeout-ms if the host is just slow`,
    );
  }
  const code = error.code ?? "";
  if (selfSignedCodes.has(code)) {
    return new ProxmoxError(
      "tls",
      `TLS verification of ${host} failed: its certificate is self-signed or signed by a CA this machine does not trust (${code}); Proxmox's own certificate is signed by its cluster CA`,
      `install a trusted certificate on Proxmox (Datacenter > ACME, or <node> > System > Certificates), or trust its CA /etc/pve/pve-root-ca.pem on this machine (system trust store; NODE_EXTRA_CA_CERTS for this doctor), ${insecureRisk}`,
    );
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new ProxmoxError(
      "tls",
      `TLS verification of ${host} failed: the certificate is not issued for ${hostname} (${error.message})`,
      `use the host name the certificate names in homelab:proxmox.endpoint, or issue a certificate for ${hostname}, ${insecureRisk}`,
    );
  }
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return new ProxmoxError(
      "tls",
      `TLS verification of ${host} failed: the certificate ${code === "CERT_HAS_EXPIRED" ? "has expired" : "is not valid yet"}`,
      `renew the Proxmox certificate (and check the clocks), ${insecureRisk}`,
    );
  }
  if (code.startsWith("ERR_SSL") || code === "EPROTO" || code.startsWith("ERR_TLS") || code.includes("CERT")) {
    return new ProxmoxError(
      "tls",
      `TLS with ${host} failed: ${error.message}`,
      `check that homelab:proxmox.endpoint is the Proxmox https port (usually 8006), ${insecureRisk}`,
    );
  }
  if (unreachableCodes.has(code)) {
    const why =
      code === "ENOTFOUND" || code === "EAI_AGAIN"
        ? `the name ${hostname} does not resolve`
        : code === "ECONNREFUSED"
          ? "connection refused"
          : error.message;
    return new ProxmoxError(
      "unreachable",
      `cannot reach ${host} (${code}: ${why})`,
      "check homelab:proxmox.endpoint (host and port, usually 8006) and that this machine can reach the Proxmox host",
    );
  }
  return new ProxmoxError(
    "unreachable",
    `cannot reach ${host}: ${error.message}`,
    "check homelab:proxmox.endpoint and the network path to the Proxmox host",
  );
}

/** `Permission check failed (/nodes/pve, Sys.Audit)` → path and privilege. */
function permissionFailure(text: string): { path: string; privilege: string } | undefined {
  const [, path, privilege] = /permission check failed \(([^,]+),\s*([^)]+)\)/i.exec(text) ?? [];
  return path !== undefined && privilege !== undefined ? { path: path.trim(), privilege: privilege.trim() } : undefined;
}

function statusError(status: number, reason: string, body: string, path: string): ProxmoxError {
  let message = "";
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    if (typeof parsed.message === "string") message = parsed.message.trim();
  } catch {
    // not JSON: the reason phrase carries Proxmox's message
  }
  const said = [reason, message].filter((s) => s !== "").join("; ");
  if (status === 401) {
    return new ProxmoxError(
      "unauthorized",
      `the token was rejected: check homelab:proxmoxApiToken (HTTP 401${said ? ` ${said}` : ""})`,
      "use USER@REALM!TOKENID=SECRET of an existing, unexpired token (`pveum user token list <user>`), and set it with `pulumi config set --secret homelab:proxmoxApiToken …`",
    );
  }
  if (status === 403) {
    const denied = permissionFailure(said);
    if (denied) {
      return new ProxmoxError(
        "forbidden",
        `the token lacks ${denied.privilege} on ${denied.path} (GET ${path} was forbidden)`,
        `grant README.md's role holding ${denied.privilege} on ${denied.path} to the token's user and the token`,
      );
    }
    return new ProxmoxError(
      "forbidden",
      `GET ${path} was forbidden (HTTP 403${said ? ` ${said}` : ""})`,
      "grant README.md's PulumiTalos* roles on their paths to the token's user and, with privilege separation on, to the token as well",
    );
  }
  return new ProxmoxError(
    "http",
    `GET ${path} answered HTTP ${status}${said ? ` ${said}` : ""}`,
    "check the Proxmox host's logs (journalctl -u pveproxy)",
  );
}

export function createProxmoxClient(options: ProxmoxClientOptions): ProxmoxClient {
  const base = new URL(options.endpoint);
  const host = base.host;
  const agent = new Agent({
    rejectUnauthorized: !options.insecureSkipTlsVerify,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    keepAlive: false,
  });

  const get = (path: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const url = new URL(`/api2/json${path}`, base.origin);
      let settled = false;
      /** Settles once: with the response's data, or with the first error. */
      const settle = (outcome: { data: unknown } | { error: ProxmoxError }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if ("error" in outcome) reject(outcome.error);
        else resolve(outcome.data);
      };
      const failed = (error: NodeJS.ErrnoException) => {
        settle({ error: transportError(error, host, base.hostname, path, options.timeoutMs) });
      };
      const answered = (status: number, reason: string, body: string) => {
        if (status < 200 || status >= 300) {
          settle({ error: statusError(status, reason, body, path) });
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = undefined;
        }
        if (typeof parsed !== "object" || parsed === null || !("data" in parsed)) {
          settle({
            error: new ProxmoxError(
              "protocol",
              `${host} answered GET ${path}, but not with Proxmox API JSON`,
              "point homelab:proxmox.endpoint at the Proxmox API, like https://pve.example.lan:8006/",
            ),
          });
          return;
        }
        settle({ data: parsed.data });
      };
      const req = request(
        url,
        { method: "GET", agent, headers: { Authorization: `PVEAPIToken=${options.token}`, Accept: "application/json" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
          });
          res.on("error", failed);
          res.on("end", () => {
            answered(res.statusCode ?? 0, res.statusMessage ?? "", Buffer.concat(chunks).toString("utf8"));
          });
          res.on("close", () => {
            if (res.complete) return;
            settle({
              error: new ProxmoxError(
                "unreachable",
                `${host} closed the connection during GET ${path}`,
                "check the Proxmox host (journalctl -u pveproxy) and the network path to it",
              ),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        failed(new Timeout());
        req.destroy();
      }, options.timeoutMs);
      req.on("error", failed);
      req.end();
    });

  return {
    get,
    host,
    origin: base.origin,
    close: () => {
      agent.destroy();
    },
  };
}
