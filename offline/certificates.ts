/**
 * Self-signed P-256 certificates made at run time (tests and the offline plan);
 * nothing is committed. Built in-process with node:crypto, DER-encoded by hand
 * (RFC 5280 section 4.1), so an evaluation spawns no openssl process.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from "node:crypto";
import { isIPv4 } from "node:net";

export interface Certificate {
  /** PEM private key (PKCS#8). */
  key: string;
  /** PEM certificate. */
  cert: string;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
};
const sequence = (...content: Buffer[]) => tlv(0x30, ...content);

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let value = arc; ; value = Math.floor(value / 128)) {
      groups.unshift((value % 128) | (groups.length > 0 ? 0x80 : 0));
      if (value < 128) break;
    }
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime for years before 2050, GeneralizedTime after (RFC 5280 section 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const attributeTypes: Record<string, string> = { CN: "2.5.4.3", O: "2.5.4.10", OU: "2.5.4.11", C: "2.5.4.6" };

/** An openssl-style subject (`/O=os:admin/CN=name`) as a DER Name. */
function name(subject: string): Buffer {
  const parts = subject.split("/").filter(Boolean);
  return sequence(
    ...parts.map((part) => {
      const [key = "", ...value] = part.split("=");
      const type = attributeTypes[key];
      if (type === undefined) throw new Error(`unsupported subject attribute ${key}`);
      return tlv(0x31, sequence(oid(type), tlv(0x0c, Buffer.from(value.join("=")))));
    }),
  );
}

/** `IP:1.2.3.4,DNS:name` as a subjectAltName extension. */
function subjectAltName(spec: string): Buffer {
  const names = spec.split(",").map((entry) => {
    const [kind, value = ""] = entry.trim().split(/:(.*)/s);
    if (kind === "DNS") return tlv(0x82, Buffer.from(value));
    if (kind === "IP" && isIPv4(value)) return tlv(0x87, Buffer.from(value.split(".").map(Number)));
    throw new Error(`unsupported subjectAltName ${entry}`);
  });
  return sequence(oid("2.5.29.17"), tlv(0x04, sequence(...names)));
}

const ecdsaWithSha256 = sequence(oid("1.2.840.10045.4.3.2"));

export function selfSignedCertificate(options: { subject: string; days: number; subjectAltName?: string }): Certificate {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER form: top bit clear and first byte non-zero (else "illegal padding").
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  const notBefore = new Date();
  const notAfter = new Date(notBefore.getTime() + options.days * 86_400_000);
  const subject = name(options.subject);
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version 3
    tlv(0x02, serial),
    ecdsaWithSha256,
    subject, // issuer: self-signed
    sequence(time(notBefore), time(notAfter)),
    subject,
    spki,
    ...(options.subjectAltName ? [tlv(0xa3, sequence(subjectAltName(options.subjectAltName)))] : []),
  );
  const signature = sign("sha256", tbs, privateKey);
  const der = sequence(tbs, ecdsaWithSha256, tlv(0x03, Buffer.from([0]), signature));
  const pem = `-----BEGIN CERTIFICATE-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), cert: pem };
}

const ed25519 = sequence(oid("1.3.101.112"));

/** An Ed25519 certificate for `subject`, signed by `issuer` or, without one, by itself. */
function ed25519Certificate(subject: string, days: number, issuer?: { subject: string; key: string }): Certificate {
  const { privateKey } = generateKeyPairSync("ed25519");
  const serial = randomBytes(16);
  // A positive INTEGER in minimal DER form: top bit clear and first byte non-zero (else "illegal padding").
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  const notBefore = new Date();
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version 3
    tlv(0x02, serial),
    ed25519,
    name(issuer?.subject ?? subject),
    sequence(time(notBefore), time(notAfter)),
    name(subject),
    createPublicKey(privateKey).export({ type: "spki", format: "der" }),
  );
  const signature = sign(null, tbs, issuer?.key ?? privateKey);
  const der = sequence(tbs, ed25519, tlv(0x03, Buffer.from([0]), signature));
  const pem = `-----BEGIN CERTIFICATE-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), cert: pem };
}

/** An Ed25519 CA, as Talos makes its OS (Talos API) CA (siderolabs/talos pkg/machinery/config/generate/secrets/ca.go). */
export function ed25519Authority(subject: string, days = 3650): Certificate {
  return ed25519Certificate(subject, days);
}

/** An Ed25519 client certificate signed by `ca`, like the talosconfig admin certificate. */
export function ed25519SignedBy(ca: Certificate, subject: string, days: number): Certificate {
  const issuer = new X509Certificate(ca.cert).subject
    .split("\n")
    .map((part) => `/${part}`)
    .join("");
  return ed25519Certificate(subject, days, { subject: issuer, key: ca.key });
}
