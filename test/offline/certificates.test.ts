/** offline/certificates.ts builds X.509 by hand; the real openssl and Node's parser read it back. */
import { execFileSync } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { ed25519Authority, selfSignedCertificate } from "../../offline/certificates";

describe("selfSignedCertificate", () => {
  const { cert, key } = selfSignedCertificate({ subject: "/O=os:admin/CN=admin", days: 365, subjectAltName: "IP:127.0.0.1,DNS:localhost" });
  const x509 = new X509Certificate(cert);

  it("carries the subject, the validity and the names asked for, signed by its own key", () => {
    expect(x509.subject).toBe("O=os:admin\nCN=admin");
    expect(x509.subjectAltName).toBe("IP Address:127.0.0.1, DNS:localhost");
    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(365);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
  });

  it("openssl verifies it as its own CA", () => {
    const dir = mkdtempSync(join(tmpdir(), "cert-"));
    try {
      writeFileSync(join(dir, "cert.pem"), cert);
      const out = execFileSync("openssl", ["verify", "-CAfile", join(dir, "cert.pem"), join(dir, "cert.pem")], { encoding: "utf8" });
      expect(out.trim()).toBe(`${join(dir, "cert.pem")}: OK`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses what it cannot encode", () => {
    expect(() => selfSignedCertificate({ subject: "/EMAIL=x", days: 1 })).toThrow("unsupported subject attribute EMAIL");
    expect(() => selfSignedCertificate({ subject: "/CN=x", days: 1, subjectAltName: "URI:x" })).toThrow("unsupported subjectAltName URI:x");
  });
});

describe("serial numbers", () => {
  // DER wants the shortest INTEGER: a random serial whose first byte is 0 and second < 0x80 is
  // malformed, and OpenSSL refuses the whole certificate ("illegal padding"), one draw in 256.
  it("parse for every certificate, over enough draws to hit a leading zero byte", () => {
    for (let i = 0; i < 3000; i++) expect(() => new X509Certificate(ed25519Authority("/O=talos", 1).cert)).not.toThrow();
    for (let i = 0; i < 600; i++)
      expect(() => new X509Certificate(selfSignedCertificate({ subject: "/CN=x", days: 1 }).cert)).not.toThrow();
  }, 30_000);
});
