/** Self-signed P-256 certificates made at run time with the openssl CLI (tests and the offline plan); nothing is committed. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Certificate {
  /** PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
}

export function selfSignedCertificate(options: { subject: string; days: number; subjectAltName?: string }): Certificate {
  const dir = mkdtempSync(join(tmpdir(), "test-cert-"));
  try {
    const keyFile = join(dir, "key.pem");
    const certFile = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ["-subj", options.subject, "-days", String(options.days), "-keyout", keyFile, "-out", certFile],
        options.subjectAltName ? ["-addext", `subjectAltName=${options.subjectAltName}`] : [],
      ].flat(),
      { stdio: "ignore" },
    );
    return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
