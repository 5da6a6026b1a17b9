/** IPv4 arithmetic for the config rules (subnet membership, host bits). */

export function ipv4ToNumber(address: string): number {
  return address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export interface Cidr {
  /** Canonical form, host bits cleared: `192.168.10.0/24`. */
  text: string;
  network: number;
  prefixLength: number;
  contains(address: string): boolean;
  isNetworkOrBroadcast(address: string): boolean;
}

export function parseCidr(cidr: string): Cidr {
  const [address = "", prefix = "32"] = cidr.split("/");
  const prefixLength = Number(prefix);
  const size = 2 ** (32 - prefixLength);
  const network = Math.floor(ipv4ToNumber(address) / size) * size;
  const broadcast = network + size - 1;
  return {
    text: `${numberToIpv4(network)}/${prefixLength}`,
    network,
    prefixLength,
    contains: (a) => {
      const n = ipv4ToNumber(a);
      return n >= network && n <= broadcast;
    },
    isNetworkOrBroadcast: (a) => prefixLength < 31 && [network, broadcast].includes(ipv4ToNumber(a)),
  };
}
