/**
 * Which delivery targets the relay may call. A subscription URL is an outbound request the
 * relay makes on behalf of whoever holds the admin token, so the relay refuses what would
 * turn it into a proxy into the cloud's metadata service, and by default only calls the
 * places n8n usually lives: the same host or the private network.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export type TargetRule =
	| { kind: 'any' }
	| { kind: 'host'; host: string }
	| { kind: 'suffix'; suffix: string }
	| { kind: 'cidr'; text: string; list: BlockList };

const NAMED_RANGES: Record<string, string[]> = {
	loopback: ['127.0.0.0/8', '::1/128'],
	private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'],
};

/** Refused whatever the allowlist says: link-local (where cloud metadata lives) and the unspecified address. */
const ALWAYS_REFUSED = new BlockList();
ALWAYS_REFUSED.addSubnet('169.254.0.0', 16, 'ipv4');
ALWAYS_REFUSED.addSubnet('0.0.0.0', 8, 'ipv4');
ALWAYS_REFUSED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
ALWAYS_REFUSED.addSubnet('fe80::', 10, 'ipv6');
ALWAYS_REFUSED.addAddress('::', 'ipv6');
ALWAYS_REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
const REFUSED_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data']);

function cidrRule(text: string): TargetRule {
	const [address, prefixText] = text.split('/');
	const family = isIP(address);
	if (family === 0) throw new Error(`"${text}" is not an IP address or CIDR range.`);
	const type = family === 4 ? 'ipv4' : 'ipv6';
	const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
	if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
		throw new Error(`"${text}" has an invalid prefix length.`);
	}
	const list = new BlockList();
	list.addSubnet(address, prefix, type);
	return { kind: 'cidr', text, list };
}

/**
 * Rules: "*" (any address except the always-refused ones), "loopback", "private",
 * an IP or CIDR ("10.1.0.0/16"), a host name ("n8n.internal") or a domain suffix ("*.example.com").
 */
export function parseTargetRules(items: string[]): TargetRule[] {
	const rules: TargetRule[] = [];
	for (const raw of items) {
		const item = raw.toLowerCase();
		if (item === '*') rules.push({ kind: 'any' });
		else if (NAMED_RANGES[item]) rules.push(...NAMED_RANGES[item].map(cidrRule));
		else if (item.startsWith('*.')) rules.push({ kind: 'suffix', suffix: item.slice(1) });
		else if (/^[0-9.]+(\/\d+)?$/.test(item) || item.includes(':')) rules.push(cidrRule(item));
		else if (/^[a-z0-9.-]+$/.test(item)) rules.push({ kind: 'host', host: item });
		else {
			throw new Error(
				`"${raw}" is not a target rule; use *, loopback, private, an IP/CIDR, a host name or *.domain.`,
			);
		}
	}
	if (rules.length === 0) throw new Error('the target allowlist is empty; use e.g. "loopback,private".');
	return rules;
}

function unmapped(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	if (mapped) return { address: mapped[1], type: 'ipv4' };
	return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tail included), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
	if (isIP(address) !== 6) return undefined;
	let text = address.toLowerCase().split('%')[0];
	const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
	if (dotted) {
		const [a, b, c, d] = dotted.slice(1).map(Number);
		text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	const missing = 8 - left.length - right.length;
	const groups = [...left, ...(tail === undefined ? [] : Array<string>(missing).fill('0')), ...right].map((g) => parseInt(g, 16));
	return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

function ipv4Of(high: number, low: number): string {
	return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/**
 * The IPv4 addresses an IPv6 address carries and that a gateway on the path may turn it
 * into: IPv4-mapped/-translated/-compatible (::ffff:a.b.c.d, ::ffff:0:a.b.c.d, ::a.b.c.d),
 * NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002:aabb:ccdd::/16) and
 * Teredo (2001:0::/32: the server, and the client with its bits inverted). Any of them being
 * a metadata or link-local address makes the IPv6 address one too.
 */
export function embeddedIpv4(address: string): string[] {
	const g = ipv6Groups(address);
	if (!g) return [];
	const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
	const found: string[] = [];
	if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) found.push(ipv4Of(g[6], g[7]));
	if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) found.push(ipv4Of(g[6], g[7]));
	if (g[0] === 0x64 && g[1] === 0xff9b && (zeros(2, 6) || g[2] === 1)) found.push(ipv4Of(g[6], g[7]));
	if (g[0] === 0x2002) found.push(ipv4Of(g[1], g[2]));
	if (g[0] === 0x2001 && g[1] === 0) found.push(ipv4Of(g[2], g[3]), ipv4Of(g[6] ^ 0xffff, g[7] ^ 0xffff));
	// `::` and `::1` are the unspecified and loopback addresses, not IPv4-compatible ones.
	return zeros(0, 7) && g[7] <= 1 ? [] : found;
}

function alwaysRefused(ip: { address: string; type: 'ipv4' | 'ipv6' }): boolean {
	if (ALWAYS_REFUSED.check(ip.address, ip.type)) return true;
	return ip.type === 'ipv6' && embeddedIpv4(ip.address).some((inner) => ALWAYS_REFUSED.check(inner, 'ipv4'));
}

/** Why this host (as named in the URL) resolving to this address may not be called, or null. */
export function refusal(rules: readonly TargetRule[], hostname: string, address: string): string | null {
	const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
	const ip = unmapped(address);
	if (REFUSED_HOSTS.has(host) || alwaysRefused(ip)) {
		return `${hostname} (${address}) is a link-local or metadata address, which the relay never calls`;
	}
	for (const rule of rules) {
		if (rule.kind === 'any') return null;
		if (rule.kind === 'host' && rule.host === host) return null;
		if (rule.kind === 'suffix' && host.endsWith(rule.suffix)) return null;
		if (rule.kind === 'cidr' && rule.list.check(ip.address, ip.type)) return null;
	}
	return `${hostname} (${address}) is not in RELAY_ALLOWED_TARGETS`;
}

export class TargetRefused extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TargetRefused';
	}
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
	const literal = hostname.replace(/^\[|\]$/g, '');
	if (isIP(literal)) return Promise.resolve([{ address: literal, family: isIP(literal) }]);
	return new Promise((resolve, reject) => {
		dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
	});
}

/** Checks a subscription URL when it is created: scheme, and every address its host resolves to. */
export async function checkTargetUrl(rules: readonly TargetRule[], url: URL): Promise<string | null> {
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'the URL must be http:// or https://';
	if (url.username || url.password) return 'the URL must not carry credentials';
	let addresses: LookupAddress[];
	try {
		addresses = await resolveAll(url.hostname);
	} catch (error) {
		return `${url.hostname} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
	}
	for (const { address } of addresses) {
		const reason = refusal(rules, url.hostname, address);
		if (reason) return reason;
	}
	return null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that checks the address actually connected to, so a name
 * that resolved to an allowed address when the subscription was created cannot be
 * re-pointed at a forbidden one later (DNS rebinding).
 */
export function guardedLookup(rules: readonly TargetRule[]) {
	return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
		dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
			if (error) return callback(error, '', 0);
			for (const { address } of addresses) {
				const reason = refusal(rules, hostname, address);
				if (reason) return callback(new TargetRefused(reason), '', 0);
			}
			if ((options as LookupAllOptions).all) return callback(null, addresses);
			callback(null, addresses[0].address, addresses[0].family);
		});
	};
}

/** For URLs whose host is an IP literal (no lookup happens): the same check, synchronously. */
export function refusalForLiteral(rules: readonly TargetRule[], url: URL): string | null {
	const literal = url.hostname.replace(/^\[|\]$/g, '');
	return isIP(literal) ? refusal(rules, url.hostname, literal) : null;
}
