/**
 * The deterministic age encrypter against the real tools: files it writes are
 * decrypted by the `age` CLI (Debian package) and the `age-encryption` library,
 * and its keys agree with `age-keygen`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { bech32Decode, deterministicAgeEncrypt, parseX25519Recipient, x25519RecipientOf } from "../../components/lib/age";
import { generateRecoveryKey } from "../../offline/fixtures";

const scratch = mkdtempSync(join(tmpdir(), "age-test-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A key made by the real age-keygen: identity file path and recipient. */
function keygen(name: string): { file: string; recipient: string } {
  const file = join(scratch, name);
  execFileSync("age-keygen", ["-o", file], { stdio: "ignore" });
  return { file, recipient: execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim() };
}

const ageDecrypt = (identityFile: string, armored: string) =>
  execFileSync("age", ["-d", "-i", identityFile], { input: armored, encoding: "utf8" });

describe("deterministic age encryption", () => {
  const alice = keygen("alice.key");
  const bob = keygen("bob.key");
  const plaintext = `cluster:\n    id: ${"x".repeat(40)}\n`;

  it("the age CLI decrypts the file with each recipient's identity", () => {
    const armored = deterministicAgeEncrypt(plaintext, [alice.recipient, bob.recipient]);
    expect(armored).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[A-Za-z0-9+/=\n]+-----END AGE ENCRYPTED FILE-----\n$/);
    expect(ageDecrypt(alice.file, armored)).toBe(plaintext);
    expect(ageDecrypt(bob.file, armored)).toBe(plaintext);
  });

  it("an identity that is not a recipient cannot decrypt it", () => {
    const eve = keygen("eve.key");
    expect(() => ageDecrypt(eve.file, deterministicAgeEncrypt(plaintext, [alice.recipient]))).toThrow();
  });

  it("plaintexts over one 64 KiB chunk decrypt, at and past the chunk boundary", () => {
    for (const size of [64 * 1024, 64 * 1024 + 1, 200_000]) {
      const big = "s".repeat(size);
      expect(ageDecrypt(alice.file, deterministicAgeEncrypt(big, [alice.recipient])).length, String(size)).toBe(size);
    }
  });

  it("the age-encryption library decrypts it too", async () => {
    const { generateX25519Identity, identityToRecipient, Decrypter, armor } = await import("age-encryption");
    const identity = await generateX25519Identity();
    const decrypter = new Decrypter();
    decrypter.addIdentity(identity);
    const armored = deterministicAgeEncrypt(plaintext, [await identityToRecipient(identity)]);
    expect(await decrypter.decrypt(armor.decode(armored), "text")).toBe(plaintext);
  });

  it("the same plaintext for the same recipients is the same file; any change to either is a new file", () => {
    const once = deterministicAgeEncrypt(plaintext, [alice.recipient, bob.recipient]);
    expect(deterministicAgeEncrypt(plaintext, [alice.recipient, bob.recipient])).toBe(once);
    expect(deterministicAgeEncrypt(`${plaintext} `, [alice.recipient, bob.recipient])).not.toBe(once);
    expect(deterministicAgeEncrypt(plaintext, [alice.recipient])).not.toBe(once);
  });

  it("two plaintexts never share a payload nonce or an ephemeral share", () => {
    const header = (armored: string) => {
      const file = Buffer.from(armored.split("\n").slice(1, -2).join(""), "base64");
      const end = file.indexOf("\n---") + 1;
      const mac = file.indexOf("\n", end) + 1;
      return { stanza: file.subarray(0, end).toString().split("\n")[1], nonce: file.subarray(mac, mac + 16).toString("hex") };
    };
    const a = header(deterministicAgeEncrypt("first secret", [alice.recipient]));
    const b = header(deterministicAgeEncrypt("second secret", [alice.recipient]));
    expect(a.stanza).toMatch(/^-> X25519 [A-Za-z0-9+/]{43}$/);
    expect(a.stanza).not.toBe(b.stanza);
    expect(a.nonce).not.toBe(b.nonce);
  });

  it("refuses an empty recipient list", () => {
    expect(() => deterministicAgeEncrypt(plaintext, [])).toThrow(/at least one recipient/);
  });
});

describe("age keys", () => {
  it("derives the same recipient from an identity as age-keygen -y", () => {
    const file = join(scratch, "keygen.key");
    execFileSync("age-keygen", ["-o", file], { stdio: "ignore" });
    const identity = execFileSync("grep", ["^AGE-SECRET-KEY-1", file], { encoding: "utf8" }).trim();
    expect(x25519RecipientOf(identity)).toBe(execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim());
  });

  it("generated recovery keys are a matching pair age-keygen accepts", () => {
    const { identity, recipient } = generateRecoveryKey();
    const file = join(scratch, "generated.key");
    writeFileSync(file, `${identity}\n`, { mode: 0o600 });
    expect(execFileSync("age-keygen", ["-y", file], { encoding: "utf8" }).trim()).toBe(recipient);
  });

  it("rejects a recipient with a broken checksum, another HRP or a post-quantum key", () => {
    const { recipient } = generateRecoveryKey();
    const flipped = `${recipient.slice(0, -1)}${recipient.endsWith("q") ? "p" : "q"}`;
    expect(() => parseX25519Recipient(flipped)).toThrow(/checksum/);
    expect(() => bech32Decode(recipient, "AGE-SECRET-KEY-")).toThrow(/not a/);
    expect(() => parseX25519Recipient(`age1pq1${recipient.slice(4)}`)).toThrow();
    expect(parseX25519Recipient(recipient)).toHaveLength(32);
  });
});
