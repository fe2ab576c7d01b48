/**
 * A self-signed X.509 certificate built with node:crypto alone (Node 20 can read
 * certificates but not make them): just enough DER for `X509Certificate` and OpenSSL to
 * accept it, so the simulator can sign callbacks as Legalesign does with a key whose
 * certificate the relay is given, without a dependency.
 */
import { generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';

function length(n: number): Buffer {
	if (n < 0x80) return Buffer.from([n]);
	const bytes: number[] = [];
	for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
	return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
	const body = Buffer.concat(content);
	return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...content: Buffer[]) => tlv(0x30, ...content);
const set = (...content: Buffer[]) => tlv(0x31, ...content);
const nullValue = () => Buffer.from([0x05, 0x00]);
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));

function integer(bytes: Buffer): Buffer {
	// DER integers are signed: a leading 1 bit needs a zero byte in front.
	return tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
	const [first, second, ...rest] = dotted.split('.').map(Number);
	const bytes = [first * 40 + second];
	for (const arc of rest) {
		const chunk: number[] = [arc & 0x7f];
		for (let value = arc >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80);
		bytes.push(...chunk);
	}
	return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
	const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
	return tlv(0x17, Buffer.from(text, 'ascii'));
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';

function name(commonName: string): Buffer {
	return sequence(
		set(sequence(oid(ORGANIZATION), utf8('Legalesign simulator'))),
		set(sequence(oid(COMMON_NAME), utf8(commonName))),
	);
}

export interface SelfSignedCertificate {
	privateKey: KeyObject;
	/** PEM, as Legalesign publishes its callback certificate. */
	certificatePem: string;
}

const SUBJECT_ALT_NAME = '2.5.29.17';

/** A subjectAltName extension naming IPv4 addresses: TLS clients match an IP host against these only. */
function ipAltNames(addresses: string[]): Buffer {
	const names = addresses.map((address) => tlv(0x87, Buffer.from(address.split('.').map(Number))));
	return tlv(0xa3, sequence(sequence(oid(SUBJECT_ALT_NAME), tlv(0x04, sequence(...names)))));
}

/**
 * `ipAddresses` adds a subjectAltName for them, so the certificate can serve TLS on those
 * addresses (the SDK tests' TLS front on 127.0.0.1).
 */
export function createSelfSignedCertificate(commonName = 'legalesign.simulator', ipAddresses: string[] = []): SelfSignedCertificate {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const algorithm = sequence(oid(SHA256_WITH_RSA), nullValue());
	const now = Date.now();
	const tbs = sequence(
		tlv(0xa0, integer(Buffer.from([2]))), // version 3
		// Serial: positive and minimal in DER (a first byte of 0x00 followed by one < 0x80 is "illegal padding").
		integer(Buffer.from(Array.from({ length: 8 }, () => Math.floor(Math.random() * 256)).map((b, i) => (i === 0 ? (b & 0x3f) | 0x40 : b)))),
		algorithm,
		name(commonName),
		sequence(utcTime(new Date(now - 60_000)), utcTime(new Date(now + 365 * 24 * 3600_000))),
		name(commonName),
		publicKey.export({ type: 'spki', format: 'der' }),
		...(ipAddresses.length > 0 ? [ipAltNames(ipAddresses)] : []),
	);
	const signature = sign('sha256', tbs, privateKey);
	const der = sequence(tbs, algorithm, tlv(0x03, Buffer.from([0]), signature));
	const body = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
	const certificatePem = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
	// Fail here, at generation, if the DER is not a certificate OpenSSL accepts.
	if (!new X509Certificate(certificatePem).verify(publicKey)) {
		throw new Error('The simulator built a certificate that does not verify with its own key.');
	}
	return { privateKey, certificatePem };
}
