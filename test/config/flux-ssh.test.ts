/** The SSH deploy-key rules: which keys Flux can use, and host keys that vouch for the URL's host. */
import { generateKeyPairSync } from "node:crypto";

import { describe, expect, it } from "vitest";

import { secretSchemas, sshKeyIsEncrypted } from "../../components/config/schema";
import { knownHostsProblem } from "../../components/config/validate";
import { generateKnownHosts, generateSshKey } from "../../offline/fixtures";

/** An OpenSSH-format container (openssh PROTOCOL.key) whose header names `cipher`; built here, never a real key. */
function openSshContainer(cipher: string): string {
  const field = (text: string) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(text.length, 0);
    return Buffer.concat([length, Buffer.from(text, "latin1")]);
  };
  const body = Buffer.concat([Buffer.from("openssh-key-v1\0", "latin1"), field(cipher), field(cipher === "none" ? "none" : "bcrypt")]);
  const label = ["OPENSSH", "PRIVATE", "KEY"].join(" ");
  return `-----BEGIN ${label}-----\n${body.toString("base64")}\n-----END ${label}-----\n`;
}

describe("fluxSshKey", () => {
  it("accepts the private-key forms Go's x/crypto/ssh reads: PKCS#8, PKCS#1 RSA, SEC1 EC, OpenSSH", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }).toString();
    for (const key of [generateSshKey(), rsa, ec, openSshContainer("none")]) {
      expect(secretSchemas.fluxSshKey.safeParse(key).success, key.split("\n")[0]).toBe(true);
    }
  });

  it("refuses a key with a passphrase, which Flux would need in a separate `password` field", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" })
      .toString();
    expect(sshKeyIsEncrypted(rsa)).toBe(true);
    expect(sshKeyIsEncrypted(openSshContainer("aes256-ctr"))).toBe(true);
    expect(sshKeyIsEncrypted(openSshContainer("none"))).toBe(false);
    const result = secretSchemas.fluxSshKey.safeParse(openSshContainer("aes256-ctr"));
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      "is protected by a passphrase, which Flux cannot be given here; make a deploy key without one (`ssh-keygen -N ''`)",
    ]);
  });
});

describe("flux.knownHosts", () => {
  it("accepts host keys for the URL's host, marked or hashed entries, and comments", () => {
    expect(knownHostsProblem(generateKnownHosts("git.example.lan"), "git.example.lan")).toBeUndefined();
    expect(knownHostsProblem(`# keys\n${generateKnownHosts("other,git.example.lan")}`, "git.example.lan")).toBeUndefined();
    expect(knownHostsProblem(generateKnownHosts("[git.example.lan]:2222"), "git.example.lan:2222")).toBeUndefined();
    expect(knownHostsProblem(generateKnownHosts("@cert-authority *.example.lan"), "git.example.lan")).toBeUndefined();
    expect(knownHostsProblem(generateKnownHosts("*.example.lan,!git.example.lan"), "git.example.lan")).toContain("has no key");
    expect(knownHostsProblem(generateKnownHosts("|1|c2FsdA==|aGFzaA=="), "git.example.lan")).toBeUndefined();
  });

  it("names an empty text and keys for another host", () => {
    expect(knownHostsProblem("# nothing\n", "github.com")).toBe("has no host key line; paste the output of `ssh-keyscan github.com`");
    expect(knownHostsProblem(generateKnownHosts("gitlab.com"), "github.com")).toBe(
      "has no key for github.com, the host of flux.url; add the output of `ssh-keyscan github.com`",
    );
  });
});
